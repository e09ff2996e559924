// The one htmx error handler of the pages (base.html loads it on every page).
//
// htmx swaps nothing when a request fails (401, 403, 422, 500 …) or gets no answer, so a form
// would fail silently. This shows the error in place instead: a box right after the form (or
// control) that sent the request, with the error page's title and readable detail
// (web/errors.py renders them), and a "Reload the page" button when reloading is the fix
// (an expired login or form: 401, or the server's VC-Reload header on a stale CSRF token).
// The box's markup and its words come from <template id="request-error"> in base.html.
(function () {
  "use strict";

  function template() {
    return document.getElementById("request-error");
  }

  function anchorOf(elt) {
    return (elt && elt.closest && elt.closest("form")) || elt;
  }

  function clear(elt) {
    var anchor = anchorOf(elt);
    var next = anchor && anchor.nextElementSibling;
    if (next && next.classList.contains("request-error")) {
      next.remove();
    }
  }

  function textOf(doc, selector) {
    var found = doc && doc.querySelector(selector);
    return found ? found.textContent.trim() : "";
  }

  function show(elt, title, detail, reload) {
    var tpl = template();
    var anchor = anchorOf(elt);
    if (!tpl || !anchor || !anchor.isConnected) {
      return;
    }
    clear(elt);
    var box = tpl.content.firstElementChild.cloneNode(true);
    box.querySelector(".request-error-title").textContent = title;
    box.querySelector(".request-error-detail").textContent = detail;
    var again = box.querySelector(".request-error-reload");
    if (reload) {
      again.hidden = false;
      again.addEventListener("click", function () {
        window.location.reload();
      });
    }
    box.querySelector(".request-error-dismiss").addEventListener("click", function () {
      box.remove();
    });
    anchor.insertAdjacentElement("afterend", box);
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    clear(evt.detail.elt);
  });

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    var tpl = template();
    var words = tpl ? tpl.dataset : {};
    var doc = null;
    if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) {
      doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    }
    var title = textOf(doc, ".error-box .error-title") || words.title || "Error";
    var detail = textOf(doc, ".error-box .error-detail") || words.detail || "";
    var reload = xhr.status === 401 || xhr.getResponseHeader("VC-Reload") === "true";
    show(evt.detail.elt, title + " (" + xhr.status + ")", detail, reload);
  });

  document.addEventListener("htmx:sendError", function (evt) {
    var words = template() ? template().dataset : {};
    show(evt.detail.elt, words.offlineTitle || "No answer", words.offlineDetail || "", false);
  });
})();
