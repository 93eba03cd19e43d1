/* A sensor's history (监测点历史曲线) with its alarm setpoints as mark lines. Reads
 * GET /api/monitoring/sensors/<id>/series/?start=<ms>&end=<ms>&points=<n>: the server picks raw readings or the
 * 1-minute / 1-hour rollup that fits the window. Zooming (wheel, drag, the slider) asks again for the zoomed
 * window, so a week drawn from hourly rollups turns into raw readings when zoomed to a few minutes.
 * Times are shown in Beijing time whatever the browser's zone (the axis runs in UTC over times shifted by +8 h).
 * ECharts is served by the app (web/echarts.js sets window.echarts); no inline script, no eval (CSP). */
(function () {
  "use strict";
  var el = document.getElementById("sensor-chart");
  if (!el) return;
  if (typeof echarts === "undefined") {
    el.textContent = "图表组件未能加载，请刷新页面或联系管理员。";
    return;
  }
  var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif';
  var RESOLUTIONS = { raw: "原始读数", "1m": "1 分钟汇总", "1h": "1 小时汇总" };
  var LEVEL_COLOURS = { 1: "#e0a100", 2: "#d9342b" };
  var url = el.getAttribute("data-series-url");
  var unit = el.getAttribute("data-unit") || "";
  var isEvent = el.getAttribute("data-event") === "1";
  var label = document.querySelector("[data-testid=chart-resolution]");
  var chart = echarts.init(el, null, { renderer: "canvas" });
  var windowStart = 0, windowEnd = 0, request = 0, pending = null;
  var BEIJING = 8 * 3600 * 1000; // Asia/Shanghai has no daylight saving time

  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function fmt(ms) {
    var d = new Date(ms + BEIJING);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + pad(d.getUTCHours()) +
      ":" + pad(d.getUTCMinutes());
  }

  function markLines(thresholds) {
    return {
      symbol: "none", silent: true,
      label: { formatter: "{b}：{c}", position: "insideEndTop" },
      data: thresholds.map(function (t) {
        return { name: t.name, yAxis: t.value, lineStyle: { color: LEVEL_COLOURS[t.level] || "#888", type: "dashed" } };
      }),
    };
  }

  function draw(data) {
    var thresholds = data.thresholds || [];
    var values = data.points.map(function (p) { return [p[0] + BEIJING, p[1]]; });
    var option = {
      textStyle: { fontFamily: FONT }, animation: false, useUTC: true,
      grid: { left: 8, right: 24, top: 28, bottom: 64, containLabel: true },
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) {
        return v == null ? "—" : (Math.round(v * 100) / 100) + " " + unit; } },
      xAxis: { type: "time", min: windowStart + BEIJING, max: windowEnd + BEIJING },
      yAxis: isEvent ? { type: "category", data: ["火警", "故障", "监管", "屏蔽", "复位"] }
                     : { type: "value", name: unit, scale: true },
      dataZoom: [{ type: "inside", filterMode: "none" }, { type: "slider", filterMode: "none", height: 22, bottom: 8 }],
      series: isEvent ? [{ name: "事件", type: "scatter", symbolSize: 10,
                           data: data.events.map(function (e) { return [e[0] + BEIJING, e[1]]; }) }]
                      : [{ name: data.code, type: "line", showSymbol: data.resolution === "raw" && values.length < 200,
                           sampling: "lttb", data: values, lineStyle: { width: 1.5 }, markLine: markLines(thresholds) }],
    };
    if (!isEvent && thresholds.length) { // keep the setpoints in view even when the values stay far below them
      var top = Math.max.apply(null, thresholds.map(function (t) { return t.value; }));
      var bottom = Math.min.apply(null, thresholds.map(function (t) { return t.value; }));
      option.yAxis.max = function (v) { return Math.max(v.max, top) ; };
      option.yAxis.min = function (v) { return Math.min(v.min, bottom); };
    }
    chart.setOption(option, true);
    var count = isEvent ? data.events.length : data.points.length;
    if (label) {
      label.textContent = fmt(windowStart) + " 至 " + fmt(windowEnd) + " · " + (RESOLUTIONS[data.resolution] || data.resolution) +
        " · " + count + " 个点";
      label.setAttribute("data-resolution", data.resolution);
    }
    el.setAttribute("data-points", String(count));
    el.setAttribute("data-loaded", "1");
  }

  function load(start, end) {
    windowStart = Math.round(start); windowEnd = Math.round(end);
    var mine = ++request;
    var points = Math.max(100, Math.min(2000, Math.round(el.clientWidth * 1.5)));
    el.setAttribute("data-loaded", "0");
    fetch(url + "?start=" + windowStart + "&end=" + windowEnd + "&points=" + points,
          { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (mine === request) draw(data); })
      .catch(function () { if (label) label.textContent = "历史数据读取失败，请稍后重试。"; });
  }

  chart.on("datazoom", function () {
    var zoom = chart.getOption().dataZoom[0];
    if (zoom.start === 0 && zoom.end === 100) return;
    var span = windowEnd - windowStart;
    var start = windowStart + span * zoom.start / 100, end = windowStart + span * zoom.end / 100;
    if (end - start < 60000) return; // a minute is as close as it gets
    clearTimeout(pending);
    pending = setTimeout(function () {
      document.querySelectorAll(".chart-tools button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      load(start, end);
    }, 350);
  });

  document.querySelectorAll(".chart-tools button[data-range]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll(".chart-tools button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      button.setAttribute("aria-pressed", "true");
      var now = Date.now();
      load(now - parseInt(button.getAttribute("data-range"), 10) * 1000, now);
    });
  });

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { chart.resize(); }, 150);
  });
  var now = Date.now();
  load(now - 86400000, now);
})();
