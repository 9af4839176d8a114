// Tip inbox: keyboard shortcuts and "select all" (the page works without this file).
// j/k move, x select, o open, u/n/s/d set the state of the selected (or current) tips,
// ? shows the help panel. Nothing fires while typing in a field or with a modifier key.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.tip-row"));
  var help = document.getElementById("shortcut-help");
  var current = -1;
  var STATES = { u: "useful", n: "not_useful", s: "spam", d: "duplicate" };
  var NOT_TYPING = { checkbox: 1, radio: 1, button: 1, submit: 1, reset: 1 };

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (target.isContentEditable || tag === "textarea" || tag === "select") return true;
    return tag === "input" && !NOT_TYPING[(target.type || "").toLowerCase()];
  }

  function box(row) { return row ? row.querySelector('input[name="tip"]') : null; }

  function move(to) {
    if (!rows.length) return;
    if (current >= 0) rows[current].classList.remove("current");
    current = Math.max(0, Math.min(rows.length - 1, to));
    var row = rows[current];
    row.classList.add("current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function setState(state) {
    if (!form) return;
    var checked = document.querySelectorAll('input[name="tip"]:checked');
    if (!checked.length) {
      var own = box(rows[current]);
      if (!own) return;
      own.checked = true;
    }
    document.getElementById("bulk-state").value = state;
    var button = document.getElementById("bulk-state-button");
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "?") {
      if (help) { help.open = !help.open; if (help.open) help.querySelector("summary").focus(); }
    } else if (key === "Escape" && help && help.open) {
      help.open = false;
    } else if (key === "j") {
      move(current + 1);
    } else if (key === "k") {
      move(current < 0 ? 0 : current - 1);
    } else if (key === "x" && current >= 0) {
      var own = box(rows[current]);
      if (own) own.checked = !own.checked;
    } else if (key === "o" && current >= 0) {
      window.location.href = rows[current].getAttribute("data-url");
    } else if (STATES[key] && (current >= 0 || document.querySelector('input[name="tip"]:checked'))) {
      setState(STATES[key]);
    } else {
      return;
    }
    event.preventDefault();
  });

  rows.forEach(function (row, index) {
    row.addEventListener("click", function () {
      if (current >= 0) rows[current].classList.remove("current");
      current = index;
      row.classList.add("current");
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll(".select-all"), function (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(document.querySelectorAll('input[name="tip"]'), function (b) {
        b.checked = all.checked;
      });
    });
  });
})();
