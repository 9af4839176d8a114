// Draw the crop rectangle (drag), black-out (Shift+drag) and blur (Alt+drag) regions.
// Without JavaScript the numeric fields do the same.
(function () {
  "use strict";
  var stage = document.querySelector(".crop-stage");
  var form = document.getElementById("crop-form");
  if (!stage || !form) { return; }
  var img = stage.querySelector("img");
  var fullW = parseInt(stage.getAttribute("data-width"), 10);
  var fullH = parseInt(stage.getAttribute("data-height"), 10);
  var field = function (name) { return form.querySelector("[name=" + name + "]"); };
  var redactions = [];
  var hint = form.querySelector(".js-only");
  if (hint) { hint.hidden = false; }
  var list = form.querySelector(".redaction-list");
  var box = document.createElement("div");
  box.className = "crop-box";
  box.hidden = true;
  stage.appendChild(box);
  var scale = function () { return fullW / img.clientWidth; };
  var start = null;
  var mode = "crop";

  function place(el, r) {
    var s = scale();
    el.style.left = (r.x / s) + "px";
    el.style.top = (r.y / s) + "px";
    el.style.width = (r.w / s) + "px";
    el.style.height = (r.h / s) + "px";
  }
  function rectFrom(a, b) {
    var x0 = Math.max(0, Math.min(a.x, b.x)), y0 = Math.max(0, Math.min(a.y, b.y));
    var x1 = Math.min(fullW, Math.max(a.x, b.x)), y1 = Math.min(fullH, Math.max(a.y, b.y));
    return { x: Math.round(x0), y: Math.round(y0), w: Math.round(x1 - x0), h: Math.round(y1 - y0) };
  }
  function point(event) {
    var bounds = img.getBoundingClientRect();
    var s = scale();
    return { x: (event.clientX - bounds.left) * s, y: (event.clientY - bounds.top) * s };
  }
  function syncRedactions() {
    field("redactions").value = JSON.stringify(redactions);
    list.textContent = redactions.length ? redactions.length + " redaction(s)" : "";
  }
  img.addEventListener("mousedown", function (event) {
    event.preventDefault();
    mode = event.shiftKey ? "black" : (event.altKey ? "blur" : "crop");
    start = point(event);
  });
  window.addEventListener("mouseup", function (event) {
    if (!start) { return; }
    var r = rectFrom(start, point(event));
    start = null;
    if (r.w < 4 || r.h < 4) { return; }
    if (mode === "crop") {
      field("x").value = r.x; field("y").value = r.y; field("w").value = r.w; field("h").value = r.h;
      box.hidden = false;
      place(box, r);
    } else {
      r.mode = mode;
      redactions.push(r);
      var el = document.createElement("div");
      el.className = "redact-box redact-" + mode;
      stage.appendChild(el);
      place(el, r);
      syncRedactions();
    }
  });
})();
