// 关怀版 (larger type): a button that toggles a class; the choice is kept in this browser's
// localStorage (no cookie). Without JavaScript the button stays hidden.
(function () {
  var KEY = "duban-care";
  var root = document.documentElement;
  try { if (localStorage.getItem(KEY) === "1") root.classList.add("care"); } catch (e) {}
  document.addEventListener("DOMContentLoaded", function () {
    var b = document.getElementById("care-toggle");
    if (!b) return;
    b.hidden = false;
    var sync = function () {
      var on = root.classList.contains("care");
      b.setAttribute("aria-pressed", on ? "true" : "false");
    };
    sync();
    b.addEventListener("click", function () {
      root.classList.toggle("care");
      try { localStorage.setItem(KEY, root.classList.contains("care") ? "1" : "0"); } catch (e) {}
      sync();
    });
  });
})();
