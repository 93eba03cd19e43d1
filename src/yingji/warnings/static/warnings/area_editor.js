/* The area of a warning being drafted (warnings/warning_form.html): townships and villages picked in the list
   or by clicking their outline on the map, and/or polygons and circles drawn with Leaflet.draw (served from the
   app, vendor/leaflet/draw). Drawn shapes are written to the form's hidden field #id_shapes as a GeoJSON
   FeatureCollection in CGCS2000/WGS84: Polygon features, and circles as Point features with properties.radius_m.
   The service checks them (closed, not self-crossing, inside the issuer's region); this only draws. Selected
   areas are filled in the colour of the level chosen in #id_level. */
(function () {
  "use strict";
  var node = document.querySelector("[data-area-editor]");
  var configNode = node && document.getElementById(node.getAttribute("data-config"));
  var shapesInput = document.getElementById("id_shapes");
  if (!node || !configNode || !window.L) return;
  var config = JSON.parse(configNode.textContent);
  var tiles = config.tiles || {};
  var gcj = tiles.url && tiles.crs === "gcj02" && window.YingjiCoordinates;
  var COLOURS = config.colours || {};
  var levelSelect = document.getElementById("id_level");

  function toMap(lon, lat) {
    var p = gcj ? window.YingjiCoordinates.wgs84ToGcj02(lon, lat) : [lon, lat];
    return L.latLng(p[1], p[0]);
  }
  function fromMap(latlng) {
    var p = gcj ? window.YingjiCoordinates.gcj02ToWgs84(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat];
    return [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];
  }
  function colour() {
    return (levelSelect && COLOURS[levelSelect.value]) || "#1565c0";
  }

  if (L.drawLocal) {  // Leaflet.draw speaks Chinese here
    var d = L.drawLocal.draw, e = L.drawLocal.edit;
    d.toolbar.actions = { title: "取消绘制", text: "取消" };
    d.toolbar.finish = { title: "完成绘制", text: "完成" };
    d.toolbar.undo = { title: "删除最后一个点", text: "撤销一点" };
    d.toolbar.buttons.polygon = "绘制多边形";
    d.toolbar.buttons.circle = "绘制圆形区域";
    d.handlers.polygon.tooltip = { start: "点击地图开始绘制多边形。", cont: "继续点击添加顶点。", end: "点击第一个点闭合多边形。" };
    d.handlers.polygon.error = "<strong>错误：</strong>多边形的边不能相交！";
    d.handlers.circle.tooltip = { start: "按住并拖动以绘制圆形区域。" };
    d.handlers.circle.radius = "半径";
    d.handlers.simpleshape.tooltip = { end: "松开鼠标完成绘制。" };
    e.toolbar.actions = { save: { title: "保存修改", text: "保存" }, cancel: { title: "放弃修改", text: "取消" },
                          clearAll: { title: "清除全部图形", text: "全部清除" } };
    e.toolbar.buttons = { edit: "编辑图形", editDisabled: "没有可编辑的图形", remove: "删除图形", removeDisabled: "没有可删除的图形" };
    e.handlers.edit.tooltip = { text: "拖动顶点或标记以修改图形。", subtext: "点击“取消”放弃修改。" };
    e.handlers.remove.tooltip = { text: "点击要删除的图形。" };
  }

  var map = L.map(node, { attributionControl: !!tiles.attribution });
  if (tiles.url && window.YingjiMaps) window.YingjiMaps.tileLayer(tiles).addTo(map);
  else node.classList.add("no-tiles");
  L.control.scale({ imperial: false }).addTo(map);

  // The user's own region (the county): where an area may be drawn, for bearings without a base map.
  if (config.outline) {
    L.geoJSON(config.outline, { interactive: false, coordsToLatLng: function (c) { return toMap(c[0], c[1]); },
                                style: function () { return { color: "#5c6bc0", weight: 1.5, fill: false }; } }).addTo(map);
  }

  // --- Regions: outline layers keyed by id, kept in step with the checkboxes --------------------------------
  var boxes = {};
  Array.prototype.forEach.call(document.querySelectorAll("input[data-area-region]"), function (box) {
    boxes[box.value] = box;
  });
  var outlines = {};
  function styleRegion(id) {
    var layer = outlines[id];
    if (!layer) return;
    var on = boxes[id] && boxes[id].checked;
    var col = colour();
    layer.setStyle(on ? { color: col, weight: 2.5, fillColor: col, fillOpacity: 0.3, dashArray: null }
                      : { color: "#7b8794", weight: 1, fillColor: "#7b8794", fillOpacity: 0.03, dashArray: "3 3" });
  }
  var regionLayer = L.geoJSON(config.regions || { type: "FeatureCollection", features: [] }, {
    coordsToLatLng: function (c) { return toMap(c[0], c[1]); },
    pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: f.properties.level === "village" ? 5 : 8 }); },
    onEachFeature: function (f, layer) {
      var id = String(f.properties.id);
      outlines[id] = layer;
      // Townships are named on the map (bearings without a base map); villages on hover.
      var township = f.properties.level !== "village";
      layer.bindTooltip(window.YingjiMaps ? window.YingjiMaps.text(f.properties.name) : f.properties.name,
                        township ? { permanent: true, direction: "right", offset: [8, 0], className: "map-label" }
                                 : { sticky: true, className: "map-label" });
      layer.on("click", function () {
        var box = boxes[id];
        if (!box || drawing) return;
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      });
    },
  }).addTo(map);
  Object.keys(outlines).forEach(styleRegion);
  Object.keys(boxes).forEach(function (id) {
    boxes[id].addEventListener("change", function () { styleRegion(id); summary(); });
  });

  // --- Drawn shapes ------------------------------------------------------------------------------------------
  var drawn = new L.FeatureGroup().addTo(map);
  var drawing = false;
  function styleShapes() {
    drawn.eachLayer(function (layer) { layer.setStyle({ color: colour(), fillColor: colour(), fillOpacity: 0.3, weight: 2.5 }); });
  }
  function load() {
    var data;
    try { data = JSON.parse(shapesInput && shapesInput.value || "null"); } catch (err) { data = null; }
    if (!data || !data.features) return;
    data.features.forEach(function (f) {
      var g = f.geometry || {};
      if (g.type === "Point" && f.properties && f.properties.radius_m) {
        drawn.addLayer(L.circle(toMap(g.coordinates[0], g.coordinates[1]), { radius: f.properties.radius_m }));
      } else if (g.type === "Polygon") {
        var ring = g.coordinates[0].slice(0, -1).map(function (c) { return toMap(c[0], c[1]); });
        drawn.addLayer(L.polygon(ring));
      }
    });
  }
  function save() {
    var features = [];
    drawn.eachLayer(function (layer) {
      if (layer instanceof L.Circle) {
        features.push({ type: "Feature", properties: { radius_m: Math.round(layer.getRadius()) },
                        geometry: { type: "Point", coordinates: fromMap(layer.getLatLng()) } });
      } else if (layer instanceof L.Polygon) {
        var ring = layer.getLatLngs()[0].map(fromMap);
        if (ring.length) ring.push(ring[0].slice());  // GeoJSON rings close on their first point
        features.push({ type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [ring] } });
      }
    });
    if (shapesInput) shapesInput.value = features.length ? JSON.stringify({ type: "FeatureCollection", features: features }) : "";
    node.setAttribute("data-shapes", String(features.length));
    summary();
  }
  load();
  styleShapes();

  if (L.Control && L.Control.Draw) {
    map.addControl(new L.Control.Draw({
      position: "topleft",
      draw: { polygon: { allowIntersection: false, showArea: false, shapeOptions: { color: colour() } },
              circle: { shapeOptions: { color: colour() }, showRadius: true, metric: true },
              polyline: false, rectangle: false, marker: false, circlemarker: false },
      edit: { featureGroup: drawn, poly: { allowIntersection: false } },
    }));
    map.on(L.Draw.Event.DRAWSTART, function () { drawing = true; });
    map.on(L.Draw.Event.DRAWSTOP, function () { drawing = false; });
    map.on(L.Draw.Event.CREATED, function (ev) { drawn.addLayer(ev.layer); styleShapes(); save(); });
    map.on(L.Draw.Event.EDITED, save);
    map.on(L.Draw.Event.DELETED, save);
  }

  // --- Summary line and colour ------------------------------------------------------------------------------
  var note = document.querySelector("[data-testid=area-summary]");
  function summary() {
    if (!note) return;
    var names = Object.keys(boxes).filter(function (id) { return boxes[id].checked; })
      .map(function (id) { return boxes[id].getAttribute("data-name"); });
    var shapes = drawn.getLayers().length;
    var parts = [];
    if (names.length) parts.push("已选区划 " + names.length + " 个：" + names.join("、"));
    if (shapes) parts.push("绘制图形 " + shapes + " 个");
    note.textContent = parts.length ? parts.join("；") + "。" : "尚未选择预警区域。";
  }
  summary();
  if (levelSelect) levelSelect.addEventListener("change", function () { Object.keys(outlines).forEach(styleRegion); styleShapes(); });

  var all = L.featureGroup([regionLayer, drawn]);
  var selected = L.featureGroup();
  Object.keys(boxes).forEach(function (id) { if (boxes[id].checked && outlines[id]) selected.addLayer(outlines[id]); });
  drawn.eachLayer(function (l) { selected.addLayer(l); });
  var b = selected.getLayers().length ? selected.getBounds() : all.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [12, 12] });
  else if (config.extent) map.fitBounds(L.latLngBounds(toMap(config.extent[0], config.extent[1]), toMap(config.extent[2], config.extent[3])));
  else map.setView(toMap(105.03, 30.28), 9);
  node.setAttribute("data-ready", "1");
})();
