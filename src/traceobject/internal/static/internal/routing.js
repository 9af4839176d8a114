// Forwarding: a filter box over the list of authorities (the page works without this file:
// the list is then a plain select). Typing keeps the options whose label holds what was typed
// (accents and case ignored) and opens the list so the matches show.
(function () {
  "use strict";
  var select = document.querySelector('select[data-filter="authority"]');
  if (!select) return;
  var holder = select.parentNode;
  var fold = function (text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  };
  var options = Array.prototype.slice.call(select.options).filter(function (o) { return o.value; });
  var box = document.createElement("div");
  box.className = "authority-filter";
  var label = document.createElement("label");
  label.textContent = holder.getAttribute("data-filter-label") || "Filter";
  var input = document.createElement("input");
  input.type = "search";
  input.id = select.id + "-filter";
  input.setAttribute("autocomplete", "off");
  input.setAttribute("aria-controls", select.id);
  label.setAttribute("for", input.id);
  var count = document.createElement("p");
  count.className = "authority-filter-count";
  count.setAttribute("aria-live", "polite");
  box.appendChild(label);
  box.appendChild(input);
  box.appendChild(count);
  holder.insertBefore(box, select);
  count.hidden = true;

  function apply() {
    var wanted = fold(input.value.trim());
    var shown = 0;
    options.forEach(function (option) {
      var match = !wanted || fold(option.textContent).indexOf(wanted) !== -1;
      option.hidden = !match;
      option.disabled = !match;
      if (match) shown += 1;
    });
    var groups = 0;
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
      if (!group.hidden) groups += 1;
    });
    if (wanted) {
      // every visible row: the matches, their group headings and the "choose" line
      select.size = Math.max(3, Math.min(12, shown + groups + 1));
      var current = select.options[select.selectedIndex];
      if (!current || current.hidden || !current.value) {
        var first = options.filter(function (o) { return !o.hidden; })[0];
        if (first) first.selected = true;
      }
      count.hidden = false;
      count.textContent = (holder.getAttribute("data-filter-count") || "") + " " + shown;
    } else {
      select.size = 0;
      count.hidden = true;
    }
  }
  input.addEventListener("input", apply);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); select.focus(); }
  });
})();
