/* Home-page charts (Apache ECharts 6, served by the app from the instaui-echarts wheel as /static/vendor/echarts/).
 * Each container <div class="chart" data-chart="KIND" data-chart-data="JSON"> is drawn once; the data are
 * computed on the server (yingji.web.statistics) and scoped to the user's region. No inline script (CSP). */
(function () {
  "use strict";
  if (typeof echarts === "undefined") {
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      el.textContent = "图表组件未能加载，请刷新页面或联系管理员。";
      el.classList.add("chart-failed");
    });
    return;
  }

  // 大类 colours: 自然灾害 blue, 事故灾难 orange-red, 公共卫生 green, 社会安全 purple.
  var TOP_COLOURS = { "11000": "#3b7dd8", "12000": "#e4572e", "13000": "#2a9d6f", "14000": "#7b61c4" };
  var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif';
  // On a phone 21 township names share ~340 px: set them upright and leave room for the legend's second line.
  var NARROW = window.matchMedia("(max-width: 767.98px)").matches;
  var BASE = {
    textStyle: { fontFamily: FONT },
    animationDuration: 400,
    tooltip: { confine: true },
  };

  function merge(a, b) {
    var out = {}, k;
    for (k in a) out[k] = a[k];
    for (k in b) out[k] = b[k];
    return out;
  }

  function monthLabel(key) { // "2026-03" → "3月", January also shows the year
    var parts = key.split("-"), m = parseInt(parts[1], 10);
    return m === 1 ? "1月\n" + parts[0] + "年" : m + "月";
  }

  var builders = {
    monthly: function (data) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 36, bottom: 4, containLabel: true },
        xAxis: { type: "category", data: data.months.map(monthLabel), axisLabel: { interval: 0 } },
        yAxis: { type: "value", name: "起", minInterval: 1 },
        series: data.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "total", data: s.data, itemStyle: { color: TOP_COLOURS[s.code] },
                   barMaxWidth: 36, emphasis: { focus: "series" } };
        }),
      };
    },
    classes: function (data) {
      var rows = data.slice().reverse(); // horizontal bars: largest on top
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (p) {
          return p[0].name + "：" + p[0].value + " 起"; } },
        grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        series: [{ type: "bar", data: rows.map(function (r) {
          return { value: r.count, itemStyle: { color: TOP_COLOURS[r.top] } }; }),
          barMaxWidth: 22, label: { show: true, position: "right" } }],
      };
    },
    forces: function (rows) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: NARROW ? 60 : 36, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: rows.map(function (r) { return r.name; }),
                 axisLabel: { interval: 0, rotate: rows.length > 14 ? (NARROW ? 90 : 30) : 0, fontSize: NARROW ? 10 : 12 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "在岗队伍", type: "bar", stack: "forces", data: rows.map(function (r) { return r.forces_on_duty; }),
            itemStyle: { color: "#2a9d6f" } },
          { name: "不在岗队伍（出动/休整）", type: "bar", stack: "forces",
            data: rows.map(function (r) { return r.forces - r.forces_on_duty; }), itemStyle: { color: "#b8c4d0" } },
          { name: "在位消防车", type: "bar", data: rows.map(function (r) { return r.vehicles_available; }),
            itemStyle: { color: "#3b7dd8" } },
          { name: "低于定额物资（项）", type: "bar", data: rows.map(function (r) { return r.below_norm; }),
            itemStyle: { color: "#e4572e" } },
        ],
      };
    },
    hydrants: function (rows) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 8, top: NARROW ? 68 : 36, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: rows.map(function (r) { return r.name; }),
                 axisLabel: { interval: 0, rotate: rows.length > 14 ? (NARROW ? 90 : 30) : 0, fontSize: NARROW ? 10 : 12 } },
        yAxis: [
          { type: "value", name: "完好率 %", min: 0, max: 100 },
          { type: "value", name: "可容纳（人）", splitLine: { show: false } },
        ],
        series: [
          { name: "消火栓完好率（%）", type: "bar", data: rows.map(function (r) { return r.hydrant_rate; }),
            itemStyle: { color: "#3b7dd8" } },
          { name: "避难场所可容纳（人）", type: "line", yAxisIndex: 1, symbolSize: 6,
            data: rows.map(function (r) { return r.shelter_places; }), itemStyle: { color: "#e9a23b" } },
        ].concat(rows.some(function (r) { return r.population; }) ? [
          { name: "常住人口（人）", type: "line", yAxisIndex: 1, symbolSize: 6, lineStyle: { type: "dashed" },
            data: rows.map(function (r) { return r.population; }), itemStyle: { color: "#7b61c4" } },
        ] : []),
      };
    },
  };

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Clicking a bar opens the incident list for that event class and period. (No drill=0: the list page
  // currently fails on its own ?drill= filter; the list may therefore also show drills.)
  var links = {
    monthly: function (data, p) {
      var key = data.months[p.dataIndex], parts = key.split("-");
      var last = new Date(parseInt(parts[0], 10), parseInt(parts[1], 10), 0).getDate();
      return { event: data.series[p.seriesIndex].code, since: key + "-01", until: key + "-" + pad(last), is_drill: "0" };
    },
    classes: function (data, p, el) {
      var rows = data.slice().reverse();
      return { event: rows[p.dataIndex].code, since: el.dataset.since, is_drill: "0" };
    },
  };

  var charts = [];
  document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
    var build = builders[el.dataset.chart];
    if (!build) return;
    var data = JSON.parse(el.dataset.chartData || "null");
    if (!data || (Array.isArray(data) && !data.length) || (data.series && !data.series.length)) {
      el.textContent = "近12个月没有可统计的数据。";
      el.classList.add("chart-empty");
      return;
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var option = build(data);
    option.series.forEach(function (s) { if (s.type === "bar" && !s.barMaxWidth) s.barMaxWidth = 28; });
    chart.setOption(merge(BASE, option));
    if (el.dataset.link && links[el.dataset.chart]) {
      chart.on("click", function (p) {
        window.location.href = el.dataset.link + "?" + new URLSearchParams(links[el.dataset.chart](data, p, el));
      });
    }
    el.dataset.drawn = "1";
    charts.push(chart);
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });
})();
