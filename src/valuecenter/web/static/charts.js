// Renders the Vega-Lite specs of #chart-specs (and of any script.chart-specs, such as a part
// of the page htmx loaded later) into [data-chart] elements not drawn yet. Vega runs in its
// AST mode with the expression interpreter, so the page needs no 'unsafe-eval' in its CSP.
(function () {
  "use strict";
  function render() {
    if (!window.vegaEmbed) { return; }
    var specs = {};
    document.querySelectorAll("#chart-specs, script.chart-specs").forEach(function (holder) {
      var found = JSON.parse(holder.textContent);
      Object.keys(found).forEach(function (key) { specs[key] = found[key]; });
    });
    document.querySelectorAll("[data-chart]:not([data-rendered])").forEach(function (el) {
      var spec = specs[el.getAttribute("data-chart")];
      if (!spec) { return; }
      el.setAttribute("data-rendered", "pending");
      window.vegaEmbed(el, spec, {
        actions: false,
        ast: true,
        expr: window.vegaInterpreter.expressionInterpreter,
        renderer: "svg"
      }).then(function () { el.setAttribute("data-rendered", "true"); })
        .catch(function (err) { el.textContent = "Chart could not be drawn: " + err.message; });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
  document.addEventListener("htmx:afterSettle", render);
})();
