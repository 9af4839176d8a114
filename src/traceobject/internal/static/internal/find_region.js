// "Find this region elsewhere" on the evidence page: the rectangle drawn (or typed) for the
// crop is copied into the search form's x, y, w, h fields, which still work on their own
// without JavaScript.
(function () {
  "use strict";
  var crop = document.getElementById("crop-form");
  var find = document.getElementById("find-region");
  if (!crop || !find) { return; }
  find.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  crop.addEventListener("cropchange", function (event) {
    var r = event.detail;
    if (!r) { return; }
    ["x", "y", "w", "h"].forEach(function (k) {
      find.querySelector("[name=" + k + "]").value = r[k];
    });
  });
}());
