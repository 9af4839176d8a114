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
  // The mailbox shows times in the visitor's time zone: forms that lead there name it.
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll("input[type=hidden][name=tz]").forEach(function (input) {
    if (zone) { input.value = zone; }
  });
  // The receipt page: "I have written my receipt down" is checked before leaving. Without
  // this script the server checks the box; with it, the page says so at once, and the browser
  // asks before the page is left some other way while the box is not ticked.
  var noted = document.querySelector("form[data-receipt-check]");
  if (noted) {
    var box = noted.querySelector("input[type=checkbox]");
    var message = noted.querySelector(".error");
    var warn = function (event) {
      if (!box.checked) { event.preventDefault(); event.returnValue = ""; }
    };
    window.addEventListener("beforeunload", warn);
    noted.addEventListener("submit", function (event) {
      if (box.checked) { window.removeEventListener("beforeunload", warn); return; }
      event.preventDefault();
      if (message) {
        message.textContent = message.getAttribute("data-message");
        message.hidden = false;
        box.setAttribute("aria-invalid", "true");
        box.setAttribute("aria-describedby", message.id);
      }
      box.focus();
    });
    box.addEventListener("change", function () {
      if (box.checked && message) { message.hidden = true; box.removeAttribute("aria-invalid"); }
    });
    // The receipt goes along to the mailbox: opening it is not leaving it behind.
    document.querySelectorAll("form[data-carries-receipt]").forEach(function (form) {
      form.addEventListener("submit", function () {
        window.removeEventListener("beforeunload", warn);
      });
    });
  }
})();
