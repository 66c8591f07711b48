// duban: progressive enhancement only; every form and link works without JavaScript.
(function () {
  "use strict";
  // Charts: an element with data-chart holds an ECharts option as JSON.
  if (window.echarts) {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      try {
        var chart = window.echarts.init(el, null, { renderer: "canvas" });
        chart.setOption(JSON.parse(el.getAttribute("data-chart")));
        window.addEventListener("resize", function () { chart.resize(); });
      } catch (e) {
        el.textContent = "图表无法显示";
      }
    });
  }
  // Print buttons (hidden without JavaScript; the browser's own print works anyway).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
})();
