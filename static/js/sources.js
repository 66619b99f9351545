// Source form: show only the parameters of the chosen platform.
// Without JavaScript every platform's fieldset stays visible; the server reads
// only the chosen one.
(function () {
  "use strict";
  var select = document.querySelector("[data-platform-select]");
  if (!select) {
    return;
  }
  var groups = document.querySelectorAll("fieldset[data-platform]");
  function sync() {
    groups.forEach(function (group) {
      group.hidden = group.getAttribute("data-platform") !== select.value;
    });
  }
  select.addEventListener("change", sync);
  sync();
})();
