/* Warning areas on a map (the warning page, the public page): every element [data-warning-map] reads the JSON
   config named by its data-config (a json_script): {tiles, extent, context, areas}. `areas` is a GeoJSON
   FeatureCollection in CGCS2000/WGS84 (polygons, multipolygons, and circles as Points with properties.radius_m),
   each drawn filled in its properties.colour, with a popup of properties.title, properties.lines [[label, value]]
   and a link to properties.url. `context` (region outlines) is drawn thin and grey under them, for bearings
   when no base map is configured. Over GCJ-02 tiles every coordinate is shifted (web/onemap.js). Served as a
   static file: the CSP allows no inline script. */
(function () {
  "use strict";

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span;
  }

  function popup(props) {
    var box = document.createElement("div");
    box.className = "onemap-popup";
    var title = document.createElement("strong");
    title.textContent = props.title || props.name || "";
    box.appendChild(title);
    var dl = document.createElement("dl");
    (props.lines || []).forEach(function (line) {
      if (line[1] === null || line[1] === undefined || line[1] === "") return;
      var dt = document.createElement("dt");
      dt.textContent = line[0];
      var dd = document.createElement("dd");
      dd.textContent = String(line[1]);
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    box.appendChild(dl);
    if (props.url) {
      var link = document.createElement("a");
      link.href = props.url;
      link.textContent = props.link_label || "查看详情 →";
      box.appendChild(link);
    }
    return box;
  }

  function onlyDots(collection) {
    var features = (collection && collection.features) || [];
    return features.length > 0 && features.every(function (f) {
      return f.geometry && f.geometry.type === "Point" && !f.properties.radius_m;
    });
  }

  function draw(node) {
    var configNode = document.getElementById(node.getAttribute("data-config"));
    if (!configNode || !window.L) return;
    var config = JSON.parse(configNode.textContent);
    var tiles = config.tiles || {};
    var gcj = tiles.url && tiles.crs === "gcj02" && window.YingjiCoordinates;
    function toMap(lon, lat) {
      var p = gcj ? window.YingjiCoordinates.wgs84ToGcj02(lon, lat) : [lon, lat];
      return L.latLng(p[1], p[0]);
    }
    var map = L.map(node, { attributionControl: !!tiles.attribution, scrollWheelZoom: node.hasAttribute("data-wheel") });
    if (tiles.url && window.YingjiMaps) window.YingjiMaps.tileLayer(tiles).addTo(map);
    else node.classList.add("no-tiles");
    L.control.scale({ imperial: false }).addTo(map);

    var bounds = L.latLngBounds([]);
    if (config.context && config.context.features && config.context.features.length) {
      var ctx = L.geoJSON(config.context, {
        interactive: false,
        coordsToLatLng: function (c) { return toMap(c[0], c[1]); },
        style: function () { return { color: "#7b8794", weight: 1, dashArray: "3 3", fill: false }; },
        onEachFeature: function (f, layer) {
          if (f.properties && f.properties.name && config.context_labels) {
            layer.bindTooltip(text(f.properties.name), { permanent: true, direction: "center", className: "map-label" });
          }
        },
      }).addTo(map);
      if (ctx.getBounds().isValid()) bounds.extend(ctx.getBounds());
    }
    var areaBounds = L.latLngBounds([]);
    var areas = L.geoJSON(config.areas || { type: "FeatureCollection", features: [] }, {
      coordsToLatLng: function (c) { return toMap(c[0], c[1]); },
      style: function (f) {
        var col = f.properties.colour || "#1565c0";
        return { color: col, weight: 2, fillColor: col, fillOpacity: f.properties.fill_opacity || 0.28 };
      },
      pointToLayer: function (f, latlng) {
        var col = f.properties.colour || "#1565c0";
        if (f.properties.radius_m) {
          return L.circle(latlng, { radius: f.properties.radius_m, color: col, weight: 2, fillColor: col, fillOpacity: 0.28 });
        }
        // A region without an outline (its centre): a larger dot, named on the map.
        return L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 2, fillColor: col, fillOpacity: 0.9 });
      },
      onEachFeature: function (f, layer) {
        layer.bindPopup(function () { return popup(f.properties); });
        if (f.geometry && f.geometry.type === "Point" && !f.properties.radius_m && f.properties.region) {
          layer.bindTooltip(text(f.properties.region), { permanent: true, direction: "right", offset: [9, 0], className: "map-label" });
        }
      },
    }).addTo(map);
    if (areas.getBounds().isValid()) areaBounds.extend(areas.getBounds());
    var target = areaBounds.isValid() ? areaBounds : bounds;
    // Areas that are only dots (regions without outlines) are shown with their surroundings.
    if (target.isValid()) map.fitBounds(target, { padding: [36, 36], maxZoom: onlyDots(config.areas) ? 11 : 13 });
    else if (config.extent) map.fitBounds(L.latLngBounds(toMap(config.extent[0], config.extent[1]), toMap(config.extent[2], config.extent[3])));
    else map.setView(toMap(105.03, 30.28), 9);
    node.setAttribute("data-areas", String(config.areas ? config.areas.features.length : 0));
    node.setAttribute("data-ready", "1");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-warning-map]"), draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
