// The crop tool on the evidence page. Drag on the picture to draw the crop; Shift+drag blacks
// out a region, Alt+drag blurs one. The rectangle follows the pointer while it is dragged
// (mouse, pen or touch), the numeric fields and the picture stay in step both ways, and
// redactions are listed with an undo. Without JavaScript the numeric fields set the crop.
(function () {
  "use strict";
  var stage = document.querySelector(".crop-stage");
  var form = document.getElementById("crop-form");
  if (!stage || !form) { return; }
  var img = stage.querySelector("img");
  var fullW = parseInt(stage.getAttribute("data-width"), 10);
  var fullH = parseInt(stage.getAttribute("data-height"), 10);
  var field = function (name) { return form.querySelector("[name=" + name + "]"); };
  var list = form.querySelector(".redaction-list");
  var undo = form.querySelector("[data-redaction=undo]");
  var clear = form.querySelector("[data-redaction=clear]");
  var MODES = { black: "black out", blur: "blur" };
  var redactions = [];
  var marks = [];
  var start = null;
  var pointer = null;
  var mode = "crop";
  var drag = null;

  form.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });

  function box(className) {
    var el = document.createElement("div");
    el.className = className;
    el.hidden = true;
    stage.appendChild(el);
    return el;
  }
  var cropBox = box("crop-box");

  function scale() { return fullW / img.clientWidth; }
  function place(el, r) {
    var s = scale();
    el.style.left = (r.x / s) + "px";
    el.style.top = (r.y / s) + "px";
    el.style.width = (r.w / s) + "px";
    el.style.height = (r.h / s) + "px";
    el.hidden = false;
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
  function fieldsRect() {
    var r = {};
    var ok = ["x", "y", "w", "h"].every(function (k) {
      var v = parseInt(field(k).value, 10);
      r[k] = v;
      return !isNaN(v);
    });
    return ok && r.w > 0 && r.h > 0 ? r : null;
  }
  function showCrop() {
    var r = fieldsRect();
    if (r) { place(cropBox, r); } else { cropBox.hidden = true; }
  }
  function syncRedactions() {
    field("redactions").value = JSON.stringify(redactions);
    marks.forEach(function (el) { el.remove(); });
    marks = redactions.map(function (r) {
      var el = box("redact-box redact-" + r.mode);
      place(el, r);
      return el;
    });
    list.textContent = "";
    redactions.forEach(function (r) {
      var li = document.createElement("li");
      li.textContent = (MODES[r.mode] || r.mode) + " " + r.w + " × " + r.h + " at " + r.x + ", " + r.y;
      list.appendChild(li);
    });
    undo.disabled = clear.disabled = redactions.length === 0;
  }

  function valid(r) {
    return r !== null && typeof r === "object" &&
      Object.prototype.hasOwnProperty.call(MODES, r.mode) &&
      ["x", "y", "w", "h"].every(function (k) { return Number.isInteger(r[k]) && r[k] >= 0; });
  }
  // A form sent back with an error keeps what was drawn.
  try {
    var kept = JSON.parse(field("redactions").value || "[]");
    if (Array.isArray(kept)) { redactions = kept.filter(valid); }
  } catch (ignore) { redactions = []; }

  // One drag at a time, by one pointer: a second finger or pen is ignored until it ends.
  img.addEventListener("pointerdown", function (event) {
    if (event.button !== 0 || !event.isPrimary || start) { return; }
    event.preventDefault();
    img.setPointerCapture(event.pointerId);
    pointer = event.pointerId;
    mode = event.shiftKey ? "black" : (event.altKey ? "blur" : "crop");
    start = point(event);
    drag = mode === "crop" ? cropBox : box("redact-box redact-" + mode);
  });
  img.addEventListener("pointermove", function (event) {
    if (start && event.pointerId === pointer) { place(drag, rectFrom(start, point(event))); }
  });
  function finish(event, cancelled) {
    if (!start || event.pointerId !== pointer) { return; }
    var r = rectFrom(start, point(event));
    start = null;
    pointer = null;
    if (mode !== "crop") { drag.remove(); }
    drag = null;
    if (cancelled || r.w < 4 || r.h < 4) { showCrop(); return; }
    if (mode === "crop") {
      field("x").value = r.x; field("y").value = r.y; field("w").value = r.w; field("h").value = r.h;
      showCrop();
    } else {
      r.mode = mode;
      redactions.push(r);
      syncRedactions();
    }
  }
  img.addEventListener("pointerup", function (event) { finish(event, false); });
  img.addEventListener("pointercancel", function (event) { finish(event, true); });
  img.addEventListener("lostpointercapture", function (event) { finish(event, true); });
  img.addEventListener("dragstart", function (event) { event.preventDefault(); });
  ["x", "y", "w", "h"].forEach(function (k) { field(k).addEventListener("input", showCrop); });
  undo.addEventListener("click", function () { redactions.pop(); syncRedactions(); });
  clear.addEventListener("click", function () { redactions = []; syncRedactions(); });
  window.addEventListener("resize", function () { showCrop(); syncRedactions(); });
  if (img.complete) { showCrop(); syncRedactions(); } else {
    img.addEventListener("load", function () { showCrop(); syncRedactions(); });
  }
}());
