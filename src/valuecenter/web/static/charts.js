// Renders the Vega-Lite specs of #chart-specs into [data-chart] elements. Vega runs in its
// AST mode with the expression interpreter, so the page needs no 'unsafe-eval' in its CSP.
(function () {
  "use strict";
  function render() {
    var holder = document.getElementById("chart-specs");
    if (!holder || !window.vegaEmbed) { return; }
    var specs = JSON.parse(holder.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = specs[el.getAttribute("data-chart")];
      if (!spec) { return; }
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
})();
