/* VOST Hub maps: read-only maps and the area editor, without inline scripts (CSP).
 *
 * Read-only map:  <div class="map" data-map data-geojson-id="ID"></div>
 *                 {{ geojson|json_script:"ID" }}   (a GeoJSON geometry, Feature or FeatureCollection;
 *                 several ids may be given, comma-separated, each drawn as its own layer)
 * Area editor:    <div class="map" data-area-editor="FIELD_ID"></div> next to a <textarea id="FIELD_ID">
 *                 holding GeoJSON; drawing, editing or deleting polygons rewrites the textarea.
 * Tiles come from <body data-tiles-url="…" data-tiles-attribution="…">.
 */
(function () {
  "use strict";
  var STYLES = [
    { color: "#1d4f86", weight: 2, fillOpacity: 0.12 },
    { color: "#b3261e", weight: 2, dashArray: "6 4", fillOpacity: 0.05 },
    { color: "#1b7f4b", weight: 2, fillOpacity: 0.1 }
  ];

  function baseMap(element) {
    var body = document.body.dataset;
    var map = L.map(element, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
    if (body.tilesUrl) {
      L.tileLayer(body.tilesUrl, { maxZoom: 19, attribution: body.tilesAttribution || "" }).addTo(map);
    }
    return map;
  }

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function showMap(element) {
    var map = baseMap(element);
    var bounds = null;
    (element.dataset.geojsonId || "").split(",").forEach(function (id, index) {
      var data = readJson(id.trim());
      if (!data) { return; }
      var layer = L.geoJSON(data, { style: STYLES[index % STYLES.length] }).addTo(map);
      if (layer.getLayers().length) {
        bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds();
      }
    });
    if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); }
  }

  function areaEditor(element) {
    var field = document.getElementById(element.dataset.areaEditor);
    if (!field) { return; }
    var map = baseMap(element);
    var drawn = new L.FeatureGroup().addTo(map);
    var context = (element.dataset.contextId || "").split(",");
    var contextBounds = null;
    context.forEach(function (id, index) {
      var data = id && readJson(id.trim());
      if (data) {
        var layer = L.geoJSON(data, { style: STYLES[(index + 1) % STYLES.length], interactive: false }).addTo(map);
        if (layer.getLayers().length) {
          contextBounds = contextBounds ? contextBounds.extend(layer.getBounds()) : layer.getBounds();
        }
      }
    });
    // nothing drawn yet: show the context (territory, activation area) rather than all of France
    function fitContext() {
      if (contextBounds && contextBounds.isValid()) { map.fitBounds(contextBounds, { padding: [12, 12] }); }
    }
    fitContext();
    // a map in a closed <details> has no size until opened: measure again then
    var details = element.closest("details");
    if (details) {
      details.addEventListener("toggle", function () {
        if (!details.open) { return; }
        map.invalidateSize();
        if (drawn.getLayers().length) { map.fitBounds(drawn.getBounds(), { padding: [12, 12] }); } else { fitContext(); }
      });
    }
    function load() {
      drawn.clearLayers();
      if (!field.value.trim()) { return; }
      try {
        L.geoJSON(JSON.parse(field.value)).eachLayer(function (layer) {
          if (layer instanceof L.Polygon) {
            var latlngs = layer.getLatLngs();
            // a MultiPolygon arrives as one layer with several polygons: split them
            if (Array.isArray(latlngs[0]) && Array.isArray(latlngs[0][0])) {
              latlngs.forEach(function (rings) { drawn.addLayer(L.polygon(rings)); });
            } else { drawn.addLayer(layer); }
          }
        });
        if (drawn.getLayers().length) { map.fitBounds(drawn.getBounds(), { padding: [12, 12] }); }
      } catch (e) { /* the server reports malformed GeoJSON on submit */ }
    }
    function save() {
      var polygons = [];
      drawn.eachLayer(function (layer) {
        var geometry = layer.toGeoJSON().geometry;
        if (geometry.type === "Polygon") { polygons.push(geometry.coordinates); }
        if (geometry.type === "MultiPolygon") { polygons = polygons.concat(geometry.coordinates); }
      });
      field.value = polygons.length ? JSON.stringify({ type: "MultiPolygon", coordinates: polygons }) : "";
    }
    load();
    field.addEventListener("change", load);
    if (L.Control.Draw) {
      map.addControl(new L.Control.Draw({
        draw: { polyline: false, marker: false, circlemarker: false, circle: false,
                polygon: { allowIntersection: false, showArea: true }, rectangle: {} },
        edit: { featureGroup: drawn }
      }));
      map.on(L.Draw.Event.CREATED, function (event) { drawn.addLayer(event.layer); save(); });
      map.on(L.Draw.Event.EDITED, save);
      map.on(L.Draw.Event.DELETED, save);
    }
  }

  function init() {
    if (typeof L === "undefined") { return; }
    L.Icon.Default.imagePath = document.body.dataset.leafletImages || "";
    document.querySelectorAll("[data-map]").forEach(showMap);
    document.querySelectorAll("[data-area-editor]").forEach(areaEditor);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
