// The crop tool on the evidence page. Drag on the picture to draw the crop; Shift+drag blacks
// out a region, Alt+drag blurs one. The rectangle follows the pointer while it is dragged
// (mouse, pen or touch), the numeric fields and the picture stay in step both ways, and
// redactions are listed with an undo. Without JavaScript the numeric fields set the crop.
// By keyboard, on the focused picture: arrow keys move a box, Shift+arrows resize it, Enter
// sets the crop or adds a redaction (as chosen in the form), N selects the next redaction,
// Delete removes the selected one. The form sends the same JSON either way. While the safety
// gate checks a new crop, the button is disabled and says so.
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
  var layer = stage.querySelector(".crop-canvas") || stage;
  var undo = form.querySelector("[data-redaction=undo]");
  var removeOne = form.querySelector("[data-redaction=remove]");
  var target = document.getElementById("key-target");
  var keyStatus = document.querySelector(".key-status");
  var submit = form.querySelector("button[type=submit]");
  var busy = form.querySelector(".crop-busy");
  var selected = -1;
  var clear = form.querySelector("[data-redaction=clear]");
  var MODES = { black: "black out", blur: "blur" };
  var redactions = [];
  var marks = [];
  var start = null;
  var pointer = null;
  var mode = "crop";
  var drag = null;

  form.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  if (keyStatus) { keyStatus.hidden = false; }

  function box(className) {
    var el = document.createElement("div");
    el.className = className;
    el.hidden = true;
    layer.appendChild(el);
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
    var bounds = img.getBoundingClientRect();  // as shown: zoomed and moved
    var s = fullW / bounds.width;
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
  // Others on the page follow the crop rectangle (find_region.js copies it).
  function announce() {
    form.dispatchEvent(new CustomEvent("cropchange", { detail: fieldsRect() }));
  }
  function syncRedactions() {
    field("redactions").value = JSON.stringify(redactions);
    marks.forEach(function (el) { el.remove(); });
    if (selected >= redactions.length) { selected = redactions.length - 1; }
    marks = redactions.map(function (r, i) {
      var el = box("redact-box redact-" + r.mode + (i === selected ? " is-selected" : ""));
      place(el, r);
      return el;
    });
    list.textContent = "";
    redactions.forEach(function (r, i) {
      var li = document.createElement("li");
      var pick = document.createElement("button");
      pick.type = "button";
      pick.className = "linkish redaction-pick";
      pick.setAttribute("aria-pressed", i === selected ? "true" : "false");
      pick.textContent = (MODES[r.mode] || r.mode) + " " + r.w + " × " + r.h + " at " + r.x + ", " + r.y;
      pick.addEventListener("click", function () { selected = i; syncRedactions(); });
      li.appendChild(pick);
      list.appendChild(li);
    });
    undo.disabled = clear.disabled = redactions.length === 0;
    if (removeOne) { removeOne.disabled = selected < 0; }
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
      announce();
    } else {
      r.mode = mode;
      redactions.push(r);
      selected = redactions.length - 1;
      syncRedactions();
    }
  }
  img.addEventListener("pointerup", function (event) { finish(event, false); });
  img.addEventListener("pointercancel", function (event) { finish(event, true); });
  img.addEventListener("lostpointercapture", function (event) { finish(event, true); });
  img.addEventListener("dragstart", function (event) { event.preventDefault(); });
  ["x", "y", "w", "h"].forEach(function (k) {
    field(k).addEventListener("input", function () { showCrop(); announce(); });
  });
  undo.addEventListener("click", function () { redactions.pop(); syncRedactions(); });
  clear.addEventListener("click", function () { redactions = []; selected = -1; syncRedactions(); });
  function removeSelected() {
    if (selected < 0 || selected >= redactions.length) { return; }
    redactions.splice(selected, 1);
    selected = Math.min(selected, redactions.length - 1);
    syncRedactions();
  }
  if (removeOne) { removeOne.addEventListener("click", removeSelected); }

  // The keyboard box: a rectangle moved and sized with the arrow keys.
  var keyBox = box("key-box");
  var kb = {
    w: Math.max(4, Math.round(Math.min(fullW, fullH) / 5)),
    h: Math.max(4, Math.round(Math.min(fullW, fullH) / 5))
  };
  kb.x = Math.round((fullW - kb.w) / 2);
  kb.y = Math.round((fullH - kb.h) / 2);
  function showKeyBox() {
    place(keyBox, kb);
    if (keyStatus) {
      keyStatus.textContent = (keyStatus.getAttribute("data-template") || "{x}, {y}: {w} × {h}")
        .replace("{x}", kb.x).replace("{y}", kb.y).replace("{w}", kb.w).replace("{h}", kb.h);
    }
  }
  function step() {
    // About eight screen pixels at the current zoom, at least one pixel of the picture.
    var shown = img.getBoundingClientRect().width || fullW;
    return Math.max(1, Math.round(8 * fullW / shown));
  }
  var ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  stage.addEventListener("focus", showKeyBox);
  stage.addEventListener("blur", function () { keyBox.hidden = true; });
  stage.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var arrow = ARROWS[event.key];
    if (arrow) {
      var d = step();
      if (event.shiftKey) {
        kb.w = Math.max(4, Math.min(fullW - kb.x, kb.w + arrow[0] * d));
        kb.h = Math.max(4, Math.min(fullH - kb.y, kb.h + arrow[1] * d));
      } else {
        kb.x = Math.max(0, Math.min(fullW - kb.w, kb.x + arrow[0] * d));
        kb.y = Math.max(0, Math.min(fullH - kb.h, kb.y + arrow[1] * d));
      }
      showKeyBox();
    } else if (event.key === "Enter") {
      var what = target ? target.value : "black";
      if (what === "crop") {
        field("x").value = kb.x; field("y").value = kb.y;
        field("w").value = kb.w; field("h").value = kb.h;
        showCrop();
        announce();
      } else {
        redactions.push({ x: kb.x, y: kb.y, w: kb.w, h: kb.h, mode: what === "blur" ? "blur" : "black" });
        selected = redactions.length - 1;
        syncRedactions();
      }
    } else if (event.key === "Delete" || event.key === "Backspace") {
      removeSelected();
    } else if (event.key === "n" || event.key === "N") {
      if (!redactions.length) { return; }
      selected = (selected + 1) % redactions.length;
      syncRedactions();
    } else { return; }
    event.preventDefault();
  });

  // The safety gate can take seconds: say so, and send the form only once.
  var idle = submit.textContent;
  form.addEventListener("submit", function () {
    if (submit.disabled) { return; }
    window.setTimeout(function () {
      submit.disabled = true;
      submit.textContent = submit.getAttribute("data-busy") || submit.textContent;
      form.setAttribute("aria-busy", "true");
      if (busy) { busy.textContent = submit.textContent; }
    }, 0);
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }  // back to a page kept in memory: ready again
    submit.disabled = false;
    submit.textContent = idle;
    form.removeAttribute("aria-busy");
    if (busy) { busy.textContent = ""; }
  });
  window.addEventListener("resize", function () { showCrop(); syncRedactions(); });
  if (img.complete) { showCrop(); syncRedactions(); } else {
    img.addEventListener("load", function () { showCrop(); syncRedactions(); });
  }
}());
