/* Click-to-place map under a form's longitude/latitude fields (core/object_form.html): a click fills both
   fields (WGS84, 6 decimals), names the township the point falls in and sets the form's region select to it
   (or to the deepest region above it the select offers); typing in the fields moves the marker. A search box
   (places in the user's scope) moves the map: a place with a point is chosen like a click, a region fits its
   boundary and is set in the select. Place names (region centres in the user's scope) give bearings when no tiles are configured.
   Over GCJ-02 tiles the clicked point is shifted back to WGS84 (YingjiCoordinates, web/onemap.js). */
(function () {
  "use strict";
  var node = document.getElementById("location-picker");
  var configNode = document.getElementById("location-picker-config");
  var lonInput = document.getElementById("id_longitude"), latInput = document.getElementById("id_latitude");
  if (!node || !configNode || !lonInput || !latInput || !window.L) return;
  var config = JSON.parse(configNode.textContent);
  var gcj = config.tiles.url && config.tiles.crs === "gcj02" && window.YingjiCoordinates;
  var place = document.querySelector("[data-testid=picker-place]");

  function toMap(lon, lat) {
    var p = gcj ? window.YingjiCoordinates.wgs84ToGcj02(lon, lat) : [lon, lat];
    return L.latLng(p[1], p[0]);
  }
  function fromMap(latlng) {
    return gcj ? window.YingjiCoordinates.gcj02ToWgs84(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat];
  }
  function typed() {
    var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
    return isNaN(lon) || isNaN(lat) || Math.abs(lat) > 90 || Math.abs(lon) > 180 ? null : [lon, lat];
  }

  var map = L.map(node, { attributionControl: !!config.tiles.attribution });
  if (config.tiles.url) window.YingjiMaps.tileLayer(config.tiles).addTo(map);
  else node.classList.add("no-tiles");
  L.control.scale({ imperial: false }).addTo(map);
  var marker = null;

  function put(lon, lat) {
    var at = toMap(lon, lat);
    if (marker) marker.setLatLng(at);
    else marker = L.circleMarker(at, { radius: 9, color: "#b42318", weight: 3, fillColor: "#f04438", fillOpacity: 0.9 }).addTo(map);
    node.setAttribute("data-lon", lon.toFixed(6));
    node.setAttribute("data-lat", lat.toFixed(6));
  }

  // The form's region select (发生地区划 on the intake): the first of `ids` (deepest first) it offers.
  var regionSelect = document.getElementById("id_region");
  function fillRegion(ids) {
    if (!regionSelect || regionSelect.tagName !== "SELECT") return;
    for (var i = 0; i < ids.length; i++) {
      if (ids[i] == null) continue;
      var option = regionSelect.querySelector('option[value="' + String(ids[i]) + '"]');
      if (option) {
        if (regionSelect.value !== option.value) {
          regionSelect.value = option.value;
          regionSelect.dispatchEvent(new Event("change", { bubbles: true }));
        }
        return;
      }
    }
  }

  var asked = 0;  // only the answer to the latest click is shown
  function locate(lon, lat) {
    if (!place) return;
    var mine = ++asked;
    place.textContent = "";
    fetch(config.locate_url + "?lon=" + lon + "&lat=" + lat, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
      .then(function (answer) {
        if (mine !== asked) return;
        var body = answer[1];
        place.textContent = answer[0] ? " 位于：" + body.region.name + " · " + body.method_label
          : " " + ((body.error && body.error.message) || "不在您的管辖区域内。");
        if (answer[0]) fillRegion([body.region.id, body.region.parent]);
      })
      .catch(function () { place.textContent = ""; });
  }

  var start = typed();
  if (start) { put(start[0], start[1]); map.setView(toMap(start[0], start[1]), 14); }
  else if (config.extent) map.fitBounds(L.latLngBounds(toMap(config.extent[0], config.extent[1]), toMap(config.extent[2], config.extent[3])));
  else map.setView(toMap(104.07, 30.67), 8);

  function choose(lon, lat) {
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    [lonInput, latInput].forEach(function (input) { input.dispatchEvent(new Event("change", { bubbles: true })); });
    put(lon, lat);
    locate(lon.toFixed(6), lat.toFixed(6));
  }
  map.on("click", function (e) {
    var p = fromMap(e.latlng);
    choose(p[0], p[1]);
  });
  if (node.dataset.searchUrl && window.YingjiMaps.searchControl) {
    window.YingjiMaps.searchControl(map, {
      url: node.dataset.searchUrl, toMap: toMap, position: "topright", placeholder: "查找地名、村、场所、地址",
      mark: false,
      onPick: function (hit) {
        if (hit.region_id) fillRegion([hit.region_id]);  // a region: the map fits it, the point stays to click
        else choose(hit.lon, hit.lat);
      },
    });
  }
  [lonInput, latInput].forEach(function (input) {
    input.addEventListener("input", function () {
      var p = typed();
      if (p) { put(p[0], p[1]); map.panTo(toMap(p[0], p[1])); }
    });
  });

  if (config.extent) {
    var e = config.extent;
    fetch(config.places_url + "?bbox=" + [e[0] - 0.2, e[1] - 0.2, e[2] + 0.2, e[3] + 0.2].map(function (v) { return v.toFixed(5); }).join(","),
          { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        data.features.forEach(function (f) {
          if (f.properties.cluster || (f.properties.level !== "county" && f.properties.level !== "township")) return;
          var c = f.geometry.coordinates;
          L.circleMarker(toMap(c[0], c[1]), { radius: 3, color: "#5c6bc0", weight: 1, fillOpacity: 0.6, interactive: false })
            .bindTooltip(window.YingjiMaps.text(f.properties.name), { permanent: true, direction: "right", className: "onemap-label" }).addTo(map);
        });
        node.setAttribute("data-places", String(data.features.length));
      });
  }
  // Region outlines in view (the county's real boundary, where imported): where a click will land.
  if (config.extent && node.dataset.boundariesUrl) {
    var x = config.extent;
    fetch(node.dataset.boundariesUrl + "?bbox=" + [x[0] - 0.2, x[1] - 0.2, x[2] + 0.2, x[3] + 0.2].map(function (v) { return v.toFixed(5); }).join(","),
          { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        L.geoJSON(data, { interactive: false, style: { color: "#5c6bc0", weight: 2, fill: false },
                          coordsToLatLng: function (c) { return toMap(c[0], c[1]); } }).addTo(map);
        node.setAttribute("data-outlines", String(data.features.length));
      });
  }
  window.YingjiLocationPicker = { map: map, toMap: toMap };
  node.setAttribute("data-ready", "1");
})();
