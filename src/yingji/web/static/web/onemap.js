/* 应急一张图: the layers listed in the page's #onemap-config (collected from every app's maplayers.py),
   each fetched from its own scoped GeoJSON endpoint with ?bbox= of the view and ?zoom= (dense layers come
   back as server-side grid clusters). Coordinates are CGCS2000/WGS84; when the configured tiles are GCJ-02
   every overlay coordinate is shifted WGS84→GCJ-02 before drawing (same formula as
   yingji/standards/coordinates.py). Served as a static file: the CSP allows no inline script. */
(function () {
  "use strict";

  // --- WGS84 → GCJ-02 (port of yingji.standards.coordinates._shift) --------------------------------
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;

  function inChina(lon, lat) {
    return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
  }

  function shift(lon, lat) {
    if (!inChina(lon, lat)) return [0, 0];
    var x = lon - 105.0, y = lat - 35.0;
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + common;
    dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + common;
    dlon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radlat = lat / 180.0 * PI;
    var magic = 1 - EE * Math.sin(radlat) * Math.sin(radlat);
    var sqrtmagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * PI);
    dlon = (dlon * 180.0) / (A / sqrtmagic * Math.cos(radlat) * PI);
    return [dlon, dlat];
  }

  function wgs84ToGcj02(lon, lat) {
    var d = shift(lon, lat);
    return [lon + d[0], lat + d[1]];
  }

  function gcj02ToWgs84(lon, lat) {
    var wlon = lon, wlat = lat;
    for (var i = 0; i < 8; i++) {
      var d = shift(wlon, wlat);
      wlon = lon - d[0];
      wlat = lat - d[1];
    }
    return [wlon, wlat];
  }

  window.YingjiCoordinates = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84 };

  // Shared by every map page (one-map, command board, location picker): the configured base map, and
  // labels as text nodes (Leaflet would insert a string as HTML).
  // An offline tile file (YINGJI_MAP_TILES_FILE) says which zooms it holds: beyond them Leaflet enlarges the
  // deepest tiles instead of asking for tiles that are not there.
  window.YingjiMaps = {
    tileLayer: function (tiles) {
      if (!tiles.url || !window.L) return null;
      return L.tileLayer(tiles.url, {
        maxZoom: 18, attribution: tiles.attribution || "",
        minNativeZoom: tiles.min_zoom || 0, maxNativeZoom: Math.min(tiles.max_zoom || 18, 18),
        subdomains: tiles.url.indexOf("tianditu") >= 0 ? "01234567" : "abc",  // 天地图: t0–t7
      });
    },
    text: function (value) {
      var span = document.createElement("span");
      span.textContent = value == null ? "" : String(value);
      return span;
    },
    searchControl: searchControl,
  };

  // --- Place search box (GET search_url?q= → web/onemap.py place_search), shared by the one-map and the
  // location picker. A combobox: type, ↑/↓ to choose, Enter to go, Esc to close. Picking a place moves the map
  // there (a region fits its boundary) and calls options.onPick(place).
  var searchCount = 0;
  function searchControl(map, options) {
    var toMap = options.toMap;
    var listId = "map-search-list-" + (++searchCount);
    var box = L.DomUtil.create("div", "map-search");
    box.setAttribute("role", "search");
    var input = L.DomUtil.create("input", "map-search-input", box);
    input.type = "search";
    input.placeholder = options.placeholder || "查找地名、村、场所、地址";
    input.setAttribute("aria-label", "查找地点");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    input.dataset.testid = "map-search";
    var list = L.DomUtil.create("ul", "map-search-results", box);
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.dataset.testid = "map-search-results";
    list.hidden = true;
    var note = L.DomUtil.create("div", "map-search-note", box);
    note.setAttribute("role", "status");
    note.setAttribute("aria-live", "polite");
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);

    var results = [], active = -1, timer = null, asked = 0, marker = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) { input.setAttribute("aria-activedescendant", item.id); item.scrollIntoView({ block: "nearest" }); }
      });
    }
    function show(found, query) {
      results = found;
      list.textContent = "";
      note.textContent = found.length ? "" : "没有找到“" + query + "”。";
      found.forEach(function (place, i) {
        var item = document.createElement("li");
        item.id = listId + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var name = document.createElement("strong");
        name.textContent = place.name;
        var kind = document.createElement("span");
        kind.className = "map-search-kind";
        kind.textContent = [place.kind_label, place.region, place.detail].filter(Boolean).join(" · ");
        item.appendChild(name);
        item.appendChild(kind);
        item.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(i); });
        list.appendChild(item);
      });
      list.hidden = !found.length;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      active = -1;
    }
    function ask() {
      var query = input.value.trim();
      var mine = ++asked;
      if (!query) { show([], ""); note.textContent = ""; return; }
      note.textContent = "查找中…";
      fetch(options.url + "?q=" + encodeURIComponent(query), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error("查找失败（" + r.status + "）");
          return r.json();
        })
        .then(function (body) { if (mine === asked) show(body.results, query); })
        .catch(function (err) { if (mine === asked) { show([], query); note.textContent = err.message; } });
    }
    function pick(index) {
      var place = results[index];
      if (!place) return;
      input.value = place.name;
      close();
      note.textContent = "";
      if (place.bbox) {
        var b = place.bbox;
        map.fitBounds(L.latLngBounds(toMap(b[0], b[1]), toMap(b[2], b[3])), { padding: [16, 16] });
      } else {
        map.setView(toMap(place.lon, place.lat), Math.max(map.getZoom(), 15));
      }
      if (options.mark !== false) {
        if (marker) map.removeLayer(marker);
        marker = L.circleMarker(toMap(place.lon, place.lat), { radius: 10, color: "#f79009", weight: 3, fill: false,
                                                               interactive: false })
          .bindTooltip(window.YingjiMaps.text(place.name), { permanent: true, direction: "top", offset: [0, -8],
                                                             className: "map-search-label" })
          .addTo(map);
      }
      if (options.onPick) options.onPick(place);
      box.dataset.picked = place.name;
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 200); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        if (list.hidden && results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        var step = ev.key === "ArrowDown" ? 1 : -1;
        if (results.length) highlight((active + step + results.length) % results.length);
      } else if (ev.key === "Enter") {
        ev.preventDefault();  // never submits the surrounding form
        if (results.length && !list.hidden) pick(active >= 0 ? active : 0);
        else { clearTimeout(timer); ask(); }
      } else if (ev.key === "Escape") {
        if (!list.hidden) { ev.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    input.addEventListener("focus", function () {
      if (results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
    });

    // As wide as the map allows beside its zoom buttons (a phone's picker map is ~350 px), at most 320 px.
    function fit() { box.style.width = Math.max(160, Math.min(320, map.getSize().x - 70)) + "px"; }
    var Control = L.Control.extend({ onAdd: function () { fit(); return box; } });
    new Control({ position: options.position || "topright" }).addTo(map);
    map.on("resize", fit);
    return { input: input, pick: pick };
  }

  var configNode = document.getElementById("onemap-config");
  var mapNode = document.getElementById("onemap-map");
  if (!configNode || !mapNode || !window.L) return;
  var config = JSON.parse(configNode.textContent);
  var gcj = config.tiles.url && config.tiles.crs === "gcj02";

  // Data (WGS84) → map coordinates (Leaflet LatLng), and back for bbox requests and the cursor read-out.
  function toMap(lon, lat) {
    var p = gcj ? wgs84ToGcj02(lon, lat) : [lon, lat];
    return L.latLng(p[1], p[0]);
  }
  function fromMap(latlng) {
    return gcj ? gcj02ToWgs84(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat];
  }

  var map = L.map(mapNode, { zoomControl: true, attributionControl: !!config.tiles.url,
                             minZoom: 3, maxZoom: 18 });
  if (config.tiles.url) {
    window.YingjiMaps.tileLayer(config.tiles).addTo(map);
  } else {
    mapNode.classList.add("no-tiles");
  }
  if (map.attributionControl) map.attributionControl.setPrefix("Leaflet");
  L.control.scale({ imperial: false }).addTo(map);
  var search = config.search_url ? searchControl(map, { url: config.search_url, toMap: toMap }) : null;

  if (config.extent) {
    var e = config.extent;
    map.fitBounds(L.latLngBounds(toMap(e[0], e[1]), toMap(e[2], e[3])), { padding: [20, 20] });
  } else {
    map.setView(toMap(105, 35), 4);
  }

  var status = document.querySelector("[data-testid=onemap-status]");
  var coords = document.querySelector("[data-testid=onemap-coords]");
  map.on("mousemove", function (ev) {
    var p = fromMap(ev.latlng);
    coords.textContent = "经度 " + p[0].toFixed(5) + "  纬度 " + p[1].toFixed(5) + "（CGCS2000/WGS84）";
  });

  // --- Layers --------------------------------------------------------------------------------------
  function colourOf(def, props) {
    if (def.colour_by) {
      var value = props[def.colour_by];
      for (var i = 0; i < def.legend.length; i++) {
        if (def.legend[i][0] === value) return def.legend[i][1];
      }
      for (var j = 0; j < def.legend.length; j++) {
        if (def.legend[j][0] === null) return def.legend[j][1];
      }
    }
    return def.colour;
  }

  function popupContent(def, props) {
    var box = document.createElement("div");
    box.className = "onemap-popup";
    var title = document.createElement("strong");
    title.textContent = props[def.title] || props.name || "";
    box.appendChild(title);
    var dl = document.createElement("dl");
    def.popup.forEach(function (item) {
      var value = props[item[0]];
      if (value === undefined || value === null || value === "") return;
      if (item[0].slice(-3) === "_at" && typeof value === "string") {
        value = new Date(value).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
      }
      var dt = document.createElement("dt");
      dt.textContent = item[1];
      var dd = document.createElement("dd");
      dd.textContent = String(value);
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    box.appendChild(dl);
    var links = (props.url ? [["查看详情 →", props.url]] : []).concat(props.links || []);
    links.forEach(function (item) {  // [label, url]: the record, and what its app adds (e.g. the command board)
      var link = document.createElement("a");
      link.href = item[1];
      link.textContent = item[0];
      link.className = "onemap-popup-link";
      box.appendChild(link);
    });
    return box;
  }

  function clusterMarker(def, feature) {
    var count = feature.properties.count;
    var c = feature.geometry.coordinates;
    var size = Math.round(24 + Math.min(22, Math.log10(count) * 8));
    var colour = def.legend.length ? def.legend[0][1] : def.colour;
    var icon = L.divIcon({
      className: "onemap-cluster",
      html: '<span style="--c:' + colour + ";width:" + size + "px;height:" + size + "px;line-height:" + size + 'px">' +
            (count >= 10000 ? Math.round(count / 1000) + "k" : count) + "</span>",
      iconSize: [size, size],
    });
    var marker = L.marker(toMap(c[0], c[1]), { icon: icon, title: def.label + " " + count + " 个",
                                               pane: state[def.key].pane });
    marker.on("click", function () { map.setView(marker.getLatLng(), Math.min(map.getZoom() + 2, 18)); });
    return marker;
  }

  // One pane (and SVG renderer) per layer, stacked in the registry's order: the first listed is drawn on top,
  // areas always below points. SVG, not canvas: stacked canvases would swallow the clicks meant for the
  // panes below them; thinning keeps each layer to a few thousand elements at most.
  var state = {};
  config.layers.forEach(function (def, index) {
    var pane = map.createPane("layer-" + def.key);
    pane.style.zIndex = String(def.kind === "lines" ? 405 : def.kind === "areas" ? 410 : 450 + config.layers.length - index);
    state[def.key] = { def: def, group: L.featureGroup(), controller: null, features: [], total: 0, clustered: false,
                       loaded: false, pane: "layer-" + def.key, renderer: L.svg({ pane: "layer-" + def.key }) };
  });

  function draw(entry, data) {
    var def = entry.def;
    entry.group.clearLayers();
    entry.features = data.features;
    entry.clustered = !!data.clustered;
    entry.total = data.total !== undefined ? data.total : data.features.length;
    if (def.kind === "areas" || def.kind === "lines") {
      var lines = def.kind === "lines";
      L.geoJSON(data, {
        pane: entry.pane, renderer: entry.renderer, interactive: !lines,
        coordsToLatLng: function (c) { return toMap(c[0], c[1]); },
        style: function (f) {
          var col = colourOf(def, f.properties);
          return lines ? { color: col, weight: 1.2, opacity: 0.9 } : { color: col, weight: 2, fillColor: col, fillOpacity: 0.04 };
        },
        onEachFeature: function (f, layer) {
          if (!lines) layer.bindPopup(function () { return popupContent(def, f.properties); });
        },
      }).addTo(entry.group);
    } else {
      data.features.forEach(function (f) {
        if (f.properties.cluster) { entry.group.addLayer(clusterMarker(def, f)); return; }
        var c = f.geometry.coordinates;
        var marker = L.circleMarker(toMap(c[0], c[1]), {
          pane: entry.pane, renderer: entry.renderer, radius: def.radius, color: "#fff", weight: 1.5,
          fillColor: colourOf(def, f.properties), fillOpacity: 0.9,
        });
        marker.feature = f;
        marker.bindPopup(function () { return popupContent(def, f.properties); });
        entry.group.addLayer(marker);
        if (def.labels && f.properties[def.title]) {
          marker.bindTooltip(window.YingjiMaps.text(f.properties[def.title]), { permanent: true, direction: "right", offset: [def.radius, 0],
                                                                className: "onemap-label" });
        }
      });
    }
    var counter = document.querySelector('[data-testid="count-' + def.key + '"]');
    if (counter) {
      counter.textContent = data.too_dense ? "放大后显示" : entry.clustered ? entry.total + "（聚合）"
        : entry.total + (data.truncated ? "+" : "");
    }
    entry.loaded = true;
  }

  function bboxParam() {
    var b = map.getBounds();
    var sw = fromMap(b.getSouthWest()), ne = fromMap(b.getNorthEast());
    var clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)); };
    return [clamp(sw[0], -180, 179.999), clamp(sw[1], -90, 89.999), clamp(ne[0], -179.999, 180),
            clamp(ne[1], -89.999, 90)].map(function (v) { return v.toFixed(5); }).join(",");
  }

  // background: a timed update, which must not keep an idle session alive (core.middleware.IdleTimeoutMiddleware).
  function load(entry, background) {
    if (entry.controller) entry.controller.abort();
    var controller = new AbortController();
    entry.controller = controller;
    var params = new URLSearchParams(entry.def.params);
    params.set("bbox", bboxParam());
    if (entry.def.kind === "points") params.set("zoom", String(map.getZoom()));
    var headers = { Accept: "application/json" };
    if (background) headers["X-Yingji-Background"] = "1";
    return fetch(entry.def.url + "?" + params.toString(), {
      credentials: "same-origin", headers: headers, signal: controller.signal,
    }).then(function (response) {
      if (!response.ok) throw new Error(entry.def.label + "：加载失败（" + response.status + "）");
      return response.json();
    }).then(function (data) {
      if (entry.controller === controller) draw(entry, data);
    });
  }

  function enabled(key) {
    var box = document.querySelector('input[data-testid="toggle-' + key + '"]');
    return box ? box.checked : false;
  }

  var popupOpen = false;
  map.on("popupopen", function () { popupOpen = true; });
  map.on("popupclose", function () { popupOpen = false; });

  var pending = 0;
  var updated = document.querySelector("[data-testid=onemap-updated]");
  // timed: the periodic update, which leaves alone the layers that do not change by the minute (areas, roads).
  function refresh(timed) {
    var jobs = [];
    Object.keys(state).forEach(function (key) {
      if (enabled(key) && !(timed === true && state[key].def.kind !== "points")) jobs.push(load(state[key], timed === true));
    });
    pending += 1;
    document.body.dataset.onemapReady = "0";
    status.textContent = "加载中…";
    return Promise.all(jobs).then(function () {
      status.textContent = "";
      if (updated) updated.textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
    }).catch(function (err) {
      if (err.name !== "AbortError") status.textContent = err.message;
    }).then(function () {
      pending -= 1;
      if (!pending) document.body.dataset.onemapReady = "1";
    });
  }

  var timer = null;
  // Leaflet pans the map to fit a popup that opens near an edge; redrawing after that pan would close the
  // very popup it made room for. Such a pan is skipped (the view hardly moved); every other move refreshes.
  var autopan = false;
  map.on("autopanstart", function () { autopan = true; });
  map.on("moveend", function () {
    if (autopan) { autopan = false; return; }
    document.body.dataset.onemapReady = "0";
    clearTimeout(timer);
    timer = setTimeout(refresh, 120);
  });

  document.querySelectorAll(".onemap-layer input[type=checkbox]").forEach(function (box) {
    var entry = state[box.value];
    if (box.checked) entry.group.addTo(map);
    box.addEventListener("change", function () {
      if (box.checked) {
        entry.group.addTo(map);
        pending += 1;
        document.body.dataset.onemapReady = "0";
        load(entry).catch(function (err) {
          if (err.name !== "AbortError") status.textContent = err.message;
        }).then(function () {
          pending -= 1;
          if (!pending) document.body.dataset.onemapReady = "1";
        });
      } else {
        if (entry.controller) entry.controller.abort();
        map.removeLayer(entry.group);
        var counter = document.querySelector('[data-testid="count-' + box.value + '"]');
        if (counter) counter.textContent = "–";
      }
    });
  });

  // Live: every config.refresh_seconds the visible layers are fetched again, unless the tab is hidden or a
  // popup is open (redrawing would close it under the reader's eyes).
  if (config.refresh_seconds > 0) {
    setInterval(function () {
      if (!document.hidden && !popupOpen && !pending) refresh(true);
    }, config.refresh_seconds * 1000);
  }

  // For the browser tests and the console: the map, the layer state, the coordinate functions.
  window.YingjiOneMap = {
    map: map, layers: state, toMap: toMap, refresh: refresh, search: search,
    visibleFeatures: function (key) { return map.hasLayer(state[key].group) ? state[key].features : []; },
  };
  refresh();
})();
