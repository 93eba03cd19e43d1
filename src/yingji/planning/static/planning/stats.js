/* 领导统计: draws each <div data-stats-chart="JSON"> with Apache ECharts (served by the app: web/echarts.js sets
 * window.echarts) and switches each card between its chart and its table (the table is rendered by the server
 * from the same data). No inline script, no eval (CSP). */
(function () {
  "use strict";
  var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif';
  var COLOURS = ["#3b7dd8", "#2a9d6f", "#e9a23b", "#e4572e", "#7b61c4", "#4bb3c8"];
  var NARROW = window.matchMedia("(max-width: 767.98px)").matches;
  var charts = [];

  function niceMax(v) { // 1.15× rounded up to 1, 2 or 5 × 10^n, as ECharts picks its own ticks
    if (!(v > 0)) return 1;
    var raw = v * 1.15, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  function option(spec) {
    var axes = spec.axes.length ? spec.axes : [""];
    var many = spec.categories.length > (NARROW ? 4 : 10);
    var series = spec.series.map(function (s) {
      var item = { name: s.name, type: s.type, data: s.data, yAxisIndex: Math.min(s.axis, axes.length - 1),
                   connectNulls: false, barMaxWidth: 32, emphasis: { focus: "series" } };
      if (s.stack) item.stack = s.stack;
      if (s.type === "line") {
        item.symbolSize = 7;
        item.label = { show: spec.categories.length <= 12, position: "top",
                       formatter: function (p) { return p.value ? p.value : ""; } };  // no row of zeros
      }
      return item;
    });
    if (spec.target && series.length) {
      series[0].markLine = { symbol: "none", lineStyle: { type: "dashed", color: "#e4572e" },
        label: { formatter: spec.target.label, position: "insideEndTop", color: "#b8391a" },
        data: [{ yAxis: spec.target.value }] };
    }
    return {
      color: COLOURS, textStyle: { fontFamily: FONT }, animationDuration: 300,
      tooltip: { trigger: "axis", confine: true, axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 12, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.categories,
               axisLabel: { interval: 0, rotate: many ? (NARROW ? 60 : 30) : 0, fontSize: NARROW ? 10 : 12,
                            width: 90, overflow: "truncate" } },
      yAxis: axes.map(function (unit, i) {
        var axis = { type: "value", name: unit, splitLine: { show: i === 0 }, scale: false };
        // the target line stays in view even when every value is far below it
        if (i === 0 && spec.target) axis.max = function (v) { return niceMax(Math.max(v.max, spec.target.value)); };
        return axis;
      }),
      series: series,
    };
  }

  function draw(el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-stats-chart")); } catch (e) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    el.setAttribute("data-drawn", "1");
    charts.push(chart);
  }

  function toggle(card, view) {
    var chart = card.querySelector(".stats-chart"), table = card.querySelector(".stats-table");
    var empty = card.querySelector(".stats-empty");
    table.hidden = view !== "table";
    if (chart && !empty) chart.hidden = view === "table";
    card.querySelectorAll("button[data-view]").forEach(function (b) {
      var on = b.getAttribute("data-view") === view;
      b.classList.toggle("is-active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    charts.forEach(function (c) { c.resize(); });
  }

  document.querySelectorAll(".stats-card").forEach(function (card) {
    card.querySelectorAll("button[data-view]").forEach(function (b) {
      b.addEventListener("click", function () { toggle(card, b.getAttribute("data-view")); });
    });
  });

  function start() {
    if (typeof echarts === "undefined") {
      document.querySelectorAll("[data-stats-chart]").forEach(function (el) {
        el.textContent = "图表组件未能加载，请查看表格或刷新页面。";
        el.classList.add("chart-failed");
      });
      return;
    }
    document.querySelectorAll("[data-stats-chart]").forEach(function (el) { if (!el.hidden) draw(el); });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  start();
})();
