// The zoomable evidence viewer: the picture at full resolution in a frame as wide as the
// page. Keys on the picture: + and - zoom, 0 fits it; the mouse wheel zooms about the
// pointer; Space+drag, the middle button or the "drag moves the picture" choice pans.
// Without JavaScript the picture is simply shown scaled to the page.
(function () {
  "use strict";
  var stage = document.querySelector(".crop-stage");
  if (!stage) { return; }
  var canvas = stage.querySelector(".crop-canvas");
  var img = stage.querySelector("img");
  var fullW = parseInt(stage.getAttribute("data-width"), 10);
  var fullH = parseInt(stage.getAttribute("data-height"), 10);
  if (!canvas || !img || !(fullW > 0) || !(fullH > 0)) { return; }
  var level = document.querySelector(".zoom-level");
  var MAX = 8;
  var STEP = 1.25;
  var view = { s: 1, x: 0, y: 0 };
  var fitted = true;
  var space = false;
  var pan = null;

  document.querySelectorAll(".viewer .js-only").forEach(function (el) { el.hidden = false; });
  stage.classList.add("zoomable");

  function frame() {
    var width = stage.clientWidth;
    var height = Math.round(Math.min(window.innerHeight * 0.78, width * fullH / fullW));
    stage.style.height = Math.max(160, height) + "px";
    return { w: stage.clientWidth, h: stage.clientHeight };
  }
  function fit() {
    var f = frame();
    return Math.min(f.w / fullW, f.h / fullH);
  }
  function clamp() {
    var f = { w: stage.clientWidth, h: stage.clientHeight };
    var w = fullW * view.s, h = fullH * view.s;
    view.x = w <= f.w ? (f.w - w) / 2 : Math.min(0, Math.max(f.w - w, view.x));
    view.y = h <= f.h ? (f.h - h) / 2 : Math.min(0, Math.max(f.h - h, view.y));
  }
  function apply() {
    clamp();
    canvas.style.transform = "translate(" + view.x + "px, " + view.y + "px) scale(" + view.s + ")";
    stage.setAttribute("data-scale", String(view.s));
    if (level) { level.textContent = Math.round(view.s * 100) + " %"; }
    stage.dispatchEvent(new CustomEvent("viewerchange"));
  }
  function zoomTo(s, cx, cy) {
    var low = Math.min(fit(), 1);
    s = Math.max(low, Math.min(MAX, s));
    if (cx === undefined) { cx = stage.clientWidth / 2; cy = stage.clientHeight / 2; }
    // The picture's point under (cx, cy) stays there.
    var px = (cx - view.x) / view.s, py = (cy - view.y) / view.s;
    view.s = s;
    view.x = cx - px * s;
    view.y = cy - py * s;
    fitted = false;
    apply();
  }
  function reset() {
    view.s = fit();
    view.x = 0; view.y = 0;
    fitted = true;
    apply();
  }
  function panMode(event) {
    var tool = document.querySelector("input[name=viewer-tool]:checked");
    return space || event.button === 1 || (tool && tool.value === "pan");
  }

  stage.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "+" || event.key === "=") { zoomTo(view.s * STEP); } else
    if (event.key === "-" || event.key === "_") { zoomTo(view.s / STEP); } else
    if (event.key === "0") { reset(); } else
    if (event.key === " ") { space = true; stage.classList.add("is-panning"); } else { return; }
    event.preventDefault();
  });
  stage.addEventListener("keyup", function (event) {
    if (event.key === " ") { space = false; stage.classList.remove("is-panning"); }
  });
  stage.addEventListener("blur", function () { space = false; stage.classList.remove("is-panning"); });
  stage.addEventListener("wheel", function (event) {
    event.preventDefault();
    var bounds = stage.getBoundingClientRect();
    zoomTo(view.s * (event.deltaY < 0 ? STEP : 1 / STEP),
           event.clientX - bounds.left, event.clientY - bounds.top);
  }, { passive: false });
  // Panning is seen first (capture): the crop tool then ignores the drag.
  stage.addEventListener("pointerdown", function (event) {
    if (pan || !panMode(event)) { return; }
    event.preventDefault();
    event.stopPropagation();
    stage.setPointerCapture(event.pointerId);
    pan = { id: event.pointerId, x: event.clientX - view.x, y: event.clientY - view.y };
    stage.classList.add("is-dragging");
  }, true);
  stage.addEventListener("pointermove", function (event) {
    if (!pan || event.pointerId !== pan.id) { return; }
    view.x = event.clientX - pan.x;
    view.y = event.clientY - pan.y;
    fitted = false;
    apply();
  });
  function endPan(event) {
    if (pan && event.pointerId === pan.id) { pan = null; stage.classList.remove("is-dragging"); }
  }
  stage.addEventListener("pointerup", endPan);
  stage.addEventListener("pointercancel", endPan);
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var what = button.getAttribute("data-zoom");
      if (what === "in") { zoomTo(view.s * STEP); } else
      if (what === "out") { zoomTo(view.s / STEP); } else { reset(); }
    });
  });
  window.addEventListener("resize", function () { if (fitted) { reset(); } else { frame(); apply(); } });
  reset();
}());
