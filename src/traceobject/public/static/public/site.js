// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    if (!field) { return; }
    var max = parseInt(field.getAttribute("maxlength"), 10);
    var update = function () {
      counter.textContent = field.value.length + " / " + max;
      // Announce only near the limit, not every keystroke.
      if (max - field.value.length <= 200) {
        counter.setAttribute("role", "status");
      } else {
        counter.removeAttribute("role");
      }
    };
    field.addEventListener("input", update);
    update();
  });
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        var done = button.parentNode.querySelector(".copied");
        if (done) { done.hidden = false; }
      });
    });
  });
  var errors = document.getElementById("form-errors");
  if (errors) { errors.focus(); }
})();
