/* Partners pages: ask before destructive actions, show the organisation fields that apply.
 *
 * <form data-confirm="Question?">        asks before submitting (terminate, remove).
 * <div data-show-for-kind="vost_team">   shown only when the form's kind select has that value;
 * <div data-hide-for-kind="vost_team">   hidden when it has that value.
 * <input type="file" data-area-target="ID"> a chosen .geojson/.json file is copied into the
 *                                        textarea ID, so the map editor shows it before saving
 *                                        (the server reads the file itself; KML/KMZ only there).
 */
(function () {
  "use strict";

  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  function kindFields() {
    var kind = document.getElementById("id_kind");
    if (!kind) { return; }
    function update() {
      document.querySelectorAll("[data-show-for-kind]").forEach(function (node) {
        node.hidden = kind.value !== node.dataset.showForKind;
      });
      document.querySelectorAll("[data-hide-for-kind]").forEach(function (node) {
        node.hidden = kind.value === node.dataset.hideForKind;
      });
    }
    kind.addEventListener("change", update);
    update();
  }

  function areaPreview() {
    document.querySelectorAll("input[type=file][data-area-target]").forEach(function (input) {
      var target = document.getElementById(input.dataset.areaTarget);
      if (!target || !window.FileReader) { return; }
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        if (!file || !/\.(geo)?json$/i.test(file.name) || file.size > 5 * 1024 * 1024) { return; }
        var reader = new FileReader();
        reader.onload = function () {
          try { JSON.parse(reader.result); } catch (e) { return; }
          target.value = reader.result;
          target.dispatchEvent(new Event("change"));
        };
        reader.readAsText(file);
      });
    });
  }

  function init() { confirmations(); kindFields(); areaPreview(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
