/* Export progress: poll status.json every second while the export is queued or running;
   at the end reload the page, which then shows the download link or the error.
   Without JavaScript the page has a refresh link. */
(function () {
  "use strict";
  var box = document.querySelector("[data-export-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-export-status");
  var bar = box.querySelector("progress");
  var pending = box.querySelector("[data-show-when=pending]");
  var failures = 0;

  function field(name) { return box.querySelector("[data-field=" + name + "]"); }

  function show(status) {
    bar.max = Math.max(status.total, 1);
    bar.value = status.state === "done" ? bar.max : status.done;
    bar.textContent = status.percent + " %";
    field("state_label").textContent = status.state_label;
    field("done").textContent = status.done;
    field("total").textContent = status.total;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        show(status);
        if (status.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        failures += 1;  /* signed out or offline: stop after a few tries, the link stays */
        if (failures < 5) { window.setTimeout(poll, 2000); }
      });
  }

  if (box.getAttribute("data-finished") !== "true") {
    if (pending) { pending.hidden = false; }
    window.setTimeout(poll, 1000);
  }
}());
