// Evidence pages: the per-image "Reveal" toggle of blurred images (pressed again, the blur
// returns) and "Select all on this page" of the grid. No network, no inline script.
(function () {
  "use strict";
  document.querySelectorAll(".ev-reveal").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var media = button.closest(".ev-media");
      var on = !media.classList.contains("is-revealed");
      media.classList.toggle("is-revealed", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  });
  var all = document.getElementById("select-page");
  if (!all) { return; }
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll("input[type=checkbox][name=image][form=bulk-form]"));
  if (!boxes.length) { return; }
  all.closest("label").hidden = false;
  function sync() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = n === boxes.length;
    all.indeterminate = n > 0 && n < boxes.length;
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    sync();
  });
  boxes.forEach(function (b) { b.addEventListener("change", sync); });
  sync();
}());
