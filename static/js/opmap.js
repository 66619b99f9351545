/* VOST Hub operational map (templates/mapping/map.html), without inline scripts (CSP).
 *
 * Reads its configuration from the json_script named by data-opmap: data and popup
 * URLs, reference layers, the activation area and agreement territory, category colours
 * and the refresh period. On every move, filter change and refresh it asks the server
 * for the visible box at the current zoom: single items (DOM markers, coloured by
 * category, filled when verified, a red ring when urgent) or grid clusters (a count to
 * zoom into). Popups are fetched on click and built as text: post content is untrusted.
 * Sets data-state="ready" on the map element after each drawing (browser tests wait on it).
 */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }

  function format(template, n) { return (template || "").replace("%(n)s", String(n)); }

  // Leaflet's layers control writes overlay names as HTML: names are escaped first
  // (a reference layer's name is typed by people, hence untrusted).
  function escapeHtml(value) {
    var box = document.createElement("span");
    box.textContent = String(value);
    return box.innerHTML.replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function readConfig(element) {
    var node = document.getElementById(element.dataset.opmap);
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function start(element) {
    var config = readConfig(element);
    if (!config || typeof L === "undefined") { return; }
    var text = $("#opmap-text").dataset;
    var body = document.body.dataset;
    var map = L.map(element, { zoomControl: true, preferCanvas: false }).setView([46.6, 2.4], 6);
    if (body.tilesUrl) {
      L.tileLayer(body.tilesUrl, { maxZoom: 19, attribution: body.tilesAttribution || "" }).addTo(map);
    }
    var markers = L.layerGroup().addTo(map);
    var overlays = {};
    var bounds = null;

    function addOutline(geojson, name, style) {
      if (!geojson) { return; }
      var layer = L.geoJSON(geojson, { style: style, interactive: false }).addTo(map);
      overlays[escapeHtml(name)] = layer;
      var b = layer.getBounds();
      if (b.isValid()) { bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast()); }
    }
    addOutline(config.territory, text.territory, { color: "#b3261e", weight: 2, dashArray: "6 4", fill: false });
    addOutline(config.area, text.area, { color: "#1d4f86", weight: 2, fillOpacity: 0.06 });
    if (config.area) {
      var areaBounds = L.geoJSON(config.area).getBounds();
      if (areaBounds.isValid()) { map.fitBounds(areaBounds, { padding: [10, 10] }); }
    } else if (bounds) { map.fitBounds(bounds); }

    // Incidents: footprints with their number, fetched once and on each refresh.
    var incidents = L.geoJSON(null, {
      style: { color: "#7a1fa2", weight: 2, fillOpacity: 0.08, dashArray: "3 3" },
      pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, { radius: 14, color: "#7a1fa2", fillOpacity: 0.08 }); },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        var box = document.createElement("div");
        var link = document.createElement("a");
        link.href = p.url || "#";
        link.textContent = format(text.incident, p.number) + (p.title ? " · " + p.title : "");
        box.appendChild(link);
        layer.bindPopup(box);
      }
    }).addTo(map);
    overlays[escapeHtml(text.incidents)] = incidents;
    function loadIncidents() {
      if (!config.incidents) { return; }
      fetch(config.incidents, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { incidents.clearLayers(); incidents.addData(data); } })
        .catch(function () {});
    }

    // Blind spots: cells of the area where posts are expected but none came recently
    // (team only; fetched each time the overlay is shown).
    if (config.blind_spots) {
      var blindSpots = L.geoJSON(null, {
        style: { color: "#5f6b7a", weight: 1, dashArray: "2 4", fillColor: "#5f6b7a", fillOpacity: 0.22 },
        onEachFeature: function (feature, layer) {
          var reason = feature.properties && feature.properties.reason;
          if (reason) { var box = document.createElement("div"); box.className = "opmap-blind-spot"; box.textContent = reason; layer.bindTooltip(box); }
        }
      });
      blindSpots.on("add", function () {
        fetch(config.blind_spots, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data) { blindSpots.clearLayers(); blindSpots.addData(data); } })
          .catch(function () {});
      });
      overlays[escapeHtml(text.blindSpots)] = blindSpots;
    }

    // Reference layers, fetched when first shown.
    (config.layers || []).forEach(function (info) {
      var group = L.geoJSON(null, {
        style: { color: info.colour, weight: 2, fillOpacity: 0.15 },
        pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, { radius: 6, color: info.colour, fillOpacity: 0.6 }); },
        onEachFeature: function (feature, layer) {
          var name = feature.properties && feature.properties.name;
          if (name) { var box = document.createElement("div"); box.textContent = name; layer.bindTooltip(box); }
        }
      });
      var loaded = false;
      group.on("add", function () {
        if (loaded) { return; }
        loaded = true;
        fetch(info.url, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data) { group.addData(data); } })
          .catch(function () { loaded = false; });
      });
      overlays[escapeHtml(info.name)] = group;
      if (info.shown) { group.addTo(map); }
    });
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);

    // Filters.
    var form = $("#map-filters");
    var slider = $("#map-window");
    var windowOutput = $("#map-window-value");
    var stops = slider ? slider.dataset.hours.split(",").map(Number) : [0];
    function windowHours() { return slider ? stops[Number(slider.value)] || 0 : 0; }
    function showWindow() {
      var h = windowHours();
      if (!windowOutput) { return; }
      var d = windowOutput.dataset;
      windowOutput.textContent = !h ? d.all : (h >= 48 ? format(d.daysLabel, h / 24) : format(d.hoursLabel, h));
    }
    document.querySelectorAll(".swatch[data-category]").forEach(function (swatch) {
      swatch.style.background = config.colours[swatch.dataset.category] || "#5f6b7a";
    });
    function query() {
      var params = new URLSearchParams();
      var b = map.getBounds();
      params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
      params.set("zoom", String(map.getZoom()));
      var all = true;
      form.querySelectorAll("input[name=category]").forEach(function (box) { if (box.checked) { params.append("category", box.value); } else { all = false; } });
      if (all) { params.delete("category"); }
      var boxes = form.querySelectorAll("input[name=verification]");
      var allV = true;
      boxes.forEach(function (box) { if (box.checked) { params.append("verification", box.value); } else { allV = false; } });
      if (allV) { params.delete("verification"); }
      var platform = form.querySelector("select[name=platform]").value;
      if (platform) { params.set("platform", platform); }
      if (windowHours()) { params.set("hours", String(windowHours())); }
      if (form.querySelector("input[name=urgent]").checked) { params.set("urgent", "on"); }
      return params;
    }
    function noneChecked(name) {
      var boxes = form.querySelectorAll("input[name=" + name + "]");
      if (!boxes.length) { return false; }
      return !Array.prototype.some.call(boxes, function (box) { return box.checked; });
    }

    // Markers.
    function itemIcon(category, verification, urgent) {
      var dot = document.createElement("span");
      dot.className = "opmap-dot v-" + verification + (urgent ? " urgent" : "");
      dot.style.setProperty("--cat", config.colours[category] || "#5f6b7a");
      return L.divIcon({ html: dot, className: "opmap-marker", iconSize: [18, 18], iconAnchor: [9, 9] });
    }
    function clusterIcon(count, category, urgent) {
      var bubble = document.createElement("span");
      bubble.className = "opmap-cluster" + (urgent ? " urgent" : "");
      bubble.style.setProperty("--cat", config.colours[category] || "#5f6b7a");
      bubble.textContent = count > 9999 ? Math.round(count / 1000) + "k" : String(count);
      var size = Math.min(56, 26 + Math.round(Math.log(count) * 4));
      return L.divIcon({ html: bubble, className: "opmap-marker", iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
    }
    var popupTemplate = $("#opmap-popup");
    function fillPopup(data) {
      var node = popupTemplate.content.firstElementChild.cloneNode(true);
      var category = $(".popup-category", node);
      category.textContent = data.category_label || "";
      category.style.setProperty("--cat", data.colour);
      $(".popup-verification", node).textContent = data.verification_label;
      $(".popup-verification", node).classList.add("v-" + data.verification);
      $(".popup-urgent", node).hidden = !data.urgent;
      $(".popup-summary", node).textContent = data.summary;
      var meta = [data.observed, data.platform, data.place].filter(Boolean);
      if (data.radius_m) { meta.push(format(text.radius, data.radius_m)); }
      $(".popup-meta", node).textContent = meta.join(" · ");
      function link(selector, url, label) {
        var a = $(selector, node);
        if (!url) { return; }
        a.href = url;
        if (label) { a.textContent = label; }
        a.hidden = false;
      }
      if (data.case) { link(".popup-case", data.case.url, format(text["case"], data.case.number)); }
      if (data.incident) { link(".popup-incident", data.incident.url, format(text.incident, data.incident.number)); }
      link(".popup-item", data.item_url);
      if (data.post_url && /^https?:\/\//.test(data.post_url)) { link(".popup-post", data.post_url); }
      return node;
    }
    function openPopup(marker, id) {
      var url = config.item.replace(/\/0\/$/, "/" + id + "/");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { marker.bindPopup(fillPopup(data), { maxWidth: 340 }).openPopup(); } })
        .catch(function () {});
    }

    var pending = null;
    var sequence = 0;
    function refresh() {
      if (noneChecked("category") || noneChecked("verification")) {
        markers.clearLayers();
        element.dataset.state = "ready";
        return;
      }
      var mine = ++sequence;
      element.dataset.state = "loading";
      fetch(config.data + "?" + query().toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (data) {
          if (mine !== sequence) { return; }
          draw(data);
          $("#map-error").hidden = true;
        })
        .catch(function () { if (mine === sequence) { $("#map-error").hidden = false; element.dataset.state = "error"; } });
    }
    function draw(data) {
      var open = null;
      markers.eachLayer(function (layer) { if (layer.isPopupOpen && layer.isPopupOpen()) { open = layer.options.itemId; } });
      markers.clearLayers();
      if (data.mode === "items") {
        data.items.forEach(function (row) {
          var marker = L.marker([row[2], row[1]], {
            icon: itemIcon(row[3], row[4], row[5]), itemId: row[0], keyboard: true,
            zIndexOffset: row[5] ? 1000 : (row[4] === "verified" ? 500 : 0), riseOnHover: true
          });
          marker.on("click", function () { openPopup(marker, row[0]); });
          marker.addTo(markers);
          var el = marker.getElement();
          if (el) { el.dataset.item = row[0]; }
          if (open === row[0]) { openPopup(marker, row[0]); }
        });
      } else {
        data.clusters.forEach(function (row) {
          var marker = L.marker([row[1], row[0]], { icon: clusterIcon(row[2], row[3], row[4]), keyboard: true, title: text.zoom });
          marker.on("click", function () {
            if (row[2] === 1) { openPopup(marker, row[5]); return; }
            map.setView(marker.getLatLng(), Math.min(map.getZoom() + 2, map.getMaxZoom()));
          });
          marker.addTo(markers);
        });
      }
      var count = $("#map-count");
      var d = count.dataset;
      count.textContent = data.mode === "clusters" ? format(d.clusters, data.total) : (data.total === 1 ? d.one : format(d.items, data.total));
      var updated = $("#map-updated");
      updated.textContent = (updated.dataset.label || "").replace("%(time)s", new Date().toLocaleTimeString());
      element.dataset.state = "ready";
      element.dataset.mode = data.mode;
      element.dataset.zoom = String(map.getZoom());
    }
    function soon() { window.clearTimeout(pending); pending = window.setTimeout(refresh, 150); }
    map.on("moveend", soon);
    form.addEventListener("change", function () { showWindow(); soon(); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    if (slider) { slider.addEventListener("input", showWindow); }
    showWindow();
    refresh();
    loadIncidents();
    window.setInterval(function () {
      if (document.hidden) { return; }
      refresh();
      loadIncidents();
    }, Math.max(2, config.refresh || 15) * 1000);
  }

  function init() {
    if (document.body.dataset.leafletImages && typeof L !== "undefined") {
      L.Icon.Default.imagePath = document.body.dataset.leafletImages;
    }
    document.querySelectorAll("[data-opmap]").forEach(start);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
