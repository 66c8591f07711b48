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
  // 保存并报送 with target values left empty: asked once, naming how many (a value may be
  // unknown yet, but it should not be forgotten).
  var reportForm = document.getElementById("report-form");
  if (reportForm) {
    reportForm.addEventListener("submit", function (e) {
      if (!e.submitter || e.submitter.value !== "submit") { return; }
      var empty = 0;
      reportForm.querySelectorAll("input.target-value").forEach(function (i) {
        if (i.value.trim() === "") { empty += 1; }
      });
      if (empty > 0 && !window.confirm("有 " + empty + " 项目标未填写本期数值。确定报送？（可先保存草稿，补齐后再报送）")) {
        e.preventDefault();
      }
    });
  }
  // Choice forms (data-autosubmit): a changed choice applies at once, so links below it
  // never point at the previous choice; the form's own button still works without JavaScript.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (f) {
    f.querySelectorAll("select, input[type=date]").forEach(function (el) {
      el.addEventListener("change", function () { f.submit(); });
    });
  });
  // Typed work is not lost to a stray click: a changed form marked data-guard asks (in the
  // browser's own words) before the page is left without sending it. Registered after the
  // other submit handlers, so a send they stopped still counts as unsent.
  var unsent = null;
  document.querySelectorAll("form[data-guard]").forEach(function (f) {
    f.addEventListener("input", function () { unsent = f; });
    f.addEventListener("change", function () { unsent = f; });
    f.addEventListener("submit", function (e) {
      if (!e.defaultPrevented) { unsent = null; }
    });
  });
  window.addEventListener("beforeunload", function (e) {
    if (unsent) {
      e.preventDefault();
      e.returnValue = "";
    }
  });
  // Print buttons (hidden without JavaScript; the browser's own print works anyway).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
})();
