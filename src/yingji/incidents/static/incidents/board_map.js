// Command board map: the incident, the units on it (blue), the ranked candidates (numbered as in the list),
// and the road route of every unit on its way (GET /api/incidents/<id>/route/?force=<id>), redrawn after each
// live refresh of the board. Township names (and the imported roads) give bearings when no tiles are set.
// Coordinates are WGS84; over GCJ-02 tiles they are shifted with YingjiCoordinates (web/onemap.js).
(function () {
  "use strict";
  var node = document.getElementById("board-map");
  var configNode = document.getElementById("board-map-config");
  if (!node || !configNode || !window.L) return;
  var config = JSON.parse(configNode.textContent);
  var gcj = config.tiles.url && config.tiles.crs === "gcj02" && window.YingjiCoordinates;

  function at(lon, lat) {
    var p = gcj ? window.YingjiCoordinates.wgs84ToGcj02(lon, lat) : [lon, lat];
    return L.latLng(p[1], p[0]);
  }

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span.innerHTML;
  }

  var map = L.map(node, {zoomControl: true, attributionControl: !!config.tiles.attribution});
  if (config.tiles.url) window.YingjiMaps.tileLayer(config.tiles).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  config.places.forEach(function (place) {
    L.marker(at(place[1], place[2]), {interactive: false, keyboard: false,
      icon: L.divIcon({className: "board-place", html: "<span>" + text(place[0]) + "</span>", iconSize: null})}).addTo(map);
  });
  var incident = at(config.incident[0], config.incident[1]);
  L.circleMarker(incident, {radius: 11, color: "#b42318", weight: 3, fillColor: "#f04438", fillOpacity: 0.95})
    .bindTooltip("事发：" + text(config.title), {permanent: true, direction: "top", offset: [0, -10],
                                               className: "board-incident-label"}).addTo(map);
  map.setView(incident, 13);

  if (config.roads_url) {
    var b = map.getBounds().pad(2);
    fetch(config.roads_url + "?bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return v.toFixed(5); }).join(","), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.features.length) return;
        L.geoJSON(data, {interactive: false, style: {color: "#b0a48a", weight: 1.2, opacity: 0.9},
                         coordsToLatLng: function (c) { return at(c[0], c[1]); }}).addTo(map).bringToBack();
      });
  }

  var units = L.layerGroup().addTo(map);
  var routes = L.layerGroup().addTo(map);
  var drawn = {};

  // Units at one spot (a station and the township team share the township centre) become one marker
  // listing them all, so none hides another.
  function spots() {
    var bySpot = {};
    document.querySelectorAll("#board-live [data-unit]").forEach(function (el) {
      var lon = parseFloat(el.getAttribute("data-lon")), lat = parseFloat(el.getAttribute("data-lat"));
      if (isNaN(lon) || isNaN(lat)) return;
      var key = lon.toFixed(5) + "," + lat.toFixed(5);
      var spot = bySpot[key] || (bySpot[key] = {point: at(lon, lat), busy: false, ranks: [], lines: []});
      var rank = el.getAttribute("data-rank");
      if (el.getAttribute("data-active") === "1") spot.busy = true;
      if (rank) spot.ranks.push(rank);
      spot.lines.push((rank ? rank + ". " : "") + "<strong>" + text(el.getAttribute("data-name")) + "</strong> " +
                      text(el.getAttribute("data-eta")));
    });
    return Object.keys(bySpot).map(function (key) { return bySpot[key]; });
  }

  function redraw() {
    units.clearLayers();
    var bounds = [incident];
    spots().forEach(function (spot) {
      var label = spot.ranks.length ? spot.ranks.join("·") : "";
      var icon = L.divIcon({className: "board-unit" + (spot.busy ? " busy" : ""), html: "<span>" + label + "</span>",
                            iconSize: null});
      L.marker(spot.point, {icon: icon, title: spot.lines.length + " 支力量"})
        .bindPopup(spot.lines.join("<br>")).addTo(units);
      bounds.push(spot.point);
    });
    var wanted = {};
    document.querySelectorAll("#board-live [data-route-force]").forEach(function (el) {
      wanted[el.getAttribute("data-route-force")] = true;
    });
    Object.keys(drawn).forEach(function (force) {
      if (!wanted[force]) { routes.removeLayer(drawn[force]); delete drawn[force]; }
    });
    Object.keys(wanted).forEach(function (force) {
      if (drawn[force]) return;
      drawn[force] = L.layerGroup().addTo(routes);
      fetch(config.route_url + "?force=" + encodeURIComponent(force), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; })
        .then(function (feature) {
          if (!feature) { routes.removeLayer(drawn[force]); delete drawn[force]; return; }  // retried next refresh
          if (!drawn[force]) return;
          var line = feature.geometry.coordinates.map(function (c) { return at(c[0], c[1]); });
          var straight = feature.properties.method !== "路网";
          L.polyline(line, {color: "#1d4ed8", weight: 4, opacity: 0.8, dashArray: straight ? "6 6" : null})
            .bindTooltip(Math.round(feature.properties.seconds / 60) + " 分钟 · " +
                         (feature.properties.metres / 1000).toFixed(1) + " km（" + feature.properties.method + "）")
            .addTo(drawn[force]);
          node.setAttribute("data-routes-drawn", String(routes.getLayers().length));
        });
    });
    if (!redraw.fitted && bounds.length > 1) {
      map.fitBounds(L.latLngBounds(bounds).pad(0.15), {maxZoom: 14});
      redraw.fitted = true;
    }
    node.setAttribute("data-units", String(units.getLayers().length));
    node.setAttribute("data-routes", String(Object.keys(wanted).length));
  }

  // A refresh every few seconds would close an open popup: wait until it is closed.
  var popupOpen = false, missed = false;
  map.on("popupopen", function () { popupOpen = true; });
  map.on("popupclose", function () { popupOpen = false; if (missed) { missed = false; redraw(); } });
  document.addEventListener("board:refreshed", function () {
    if (popupOpen) missed = true;
    else redraw();
  });
  redraw();
})();
