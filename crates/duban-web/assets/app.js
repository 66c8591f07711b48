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
  // Bulk actions: a form with data-confirm asks before it acts on the ticked rows
  // ("{n}" is their count); nothing ticked, nothing sent.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      var n = f.querySelectorAll("input[type=checkbox]:checked:not([data-not-counted])").length;
      if (n === 0) {
        e.preventDefault();
        window.alert("请先勾选要处理的项目");
        return;
      }
      if (!window.confirm(f.getAttribute("data-confirm").replace("{n}", String(n)))) {
        e.preventDefault();
      }
    });
  });
  // Irreversible steps (发布, 公示, 签发): a form with data-ask asks once before it is sent.
  // Without JavaScript the form is sent as it is; the page beside the button says so.
  document.querySelectorAll("form[data-ask]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-ask"))) {
        e.preventDefault();
      }
    });
  });
  // Print buttons (hidden without JavaScript; the browser's own print works anyway).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
})();
