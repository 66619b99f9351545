/* Verification case page: the location map (no inline script: CSP).
 *
 * <div id="case-map" data-case-map="DATA_ID"></div> with {{ map_data|json_script:"DATA_ID" }}:
 *   {"case": {lon, lat, radius, place} | null, "post": {lon, lat, radius, place} | null}
 * The post's location is drawn dashed, the case's solid. With the locate form on the
 * page (#locate-form), a click on the map fills longitude/latitude, sets the source to
 * "map" and redraws; typing in the fields redraws too. Saving is the form's submit.
 */
(function () {
  "use strict";
  var POST_STYLE = { color: "#47536b", weight: 2, dashArray: "6 4", fillOpacity: 0.06 };
  var CASE_STYLE = { color: "#1d4f86", weight: 2, fillOpacity: 0.15 };
  var DEFAULT_RADIUS = 500;

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function number(input) {
    if (!input || input.value.trim() === "") { return null; }
    var value = Number(input.value.replace(",", "."));
    return isFinite(value) ? value : null;
  }

  function init() {
    var element = document.querySelector("[data-case-map]");
    if (!element || typeof L === "undefined") { return; }
    L.Icon.Default.imagePath = document.body.dataset.leafletImages || "";
    var data = readJson(element.dataset.caseMap) || {};
    var body = document.body.dataset;
    var map = L.map(element, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
    if (body.tilesUrl) {
      L.tileLayer(body.tilesUrl, { maxZoom: 19, attribution: body.tilesAttribution || "" }).addTo(map);
    }
    var bounds = null;
    function extend(layer) {
      var b = layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng()]);
      bounds = bounds ? bounds.extend(b) : b;
    }
    if (data.post) {
      var postCircle = L.circle([data.post.lat, data.post.lon], L.extend({ radius: data.post.radius || DEFAULT_RADIUS, interactive: false }, POST_STYLE)).addTo(map);
      extend(postCircle);
    }
    var caseLayer = L.layerGroup().addTo(map);
    function drawCase(lat, lon, radius) {
      caseLayer.clearLayers();
      if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) { return null; }
      L.marker([lat, lon], { keyboard: false }).addTo(caseLayer);
      var circle = L.circle([lat, lon], L.extend({ radius: radius || DEFAULT_RADIUS }, CASE_STYLE)).addTo(caseLayer);
      return circle;
    }
    if (data.case) {
      var circle = drawCase(data.case.lat, data.case.lon, data.case.radius);
      if (circle) { extend(circle); }
    }
    if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [16, 16], maxZoom: 15 }); }

    var form = document.getElementById("locate-form");
    if (!form) { return; }
    var lon = form.querySelector("[name=lon]");
    var lat = form.querySelector("[name=lat]");
    var radius = form.querySelector("[name=radius_m]");
    var source = form.querySelector("[name=source]");
    var place = form.querySelector("[name=place_name]");
    function redraw() { drawCase(number(lat), number(lon), number(radius)); }
    element.classList.add("is-pickable");
    map.on("click", function (event) {
      lon.value = event.latlng.lng.toFixed(6);
      lat.value = event.latlng.lat.toFixed(6);
      if (source) { source.value = "map"; }
      if (place) { place.value = ""; }
      if (radius && !radius.value) { radius.value = DEFAULT_RADIUS; }
      redraw();
    });
    [lon, lat, radius].forEach(function (input) {
      if (input) { input.addEventListener("input", redraw); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
