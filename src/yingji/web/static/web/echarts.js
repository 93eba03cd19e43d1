/* Apache ECharts as the global `echarts` for dashboard.js. The package ships the ES module build only; a module
   script runs, like a deferred classic script, after parsing and in document order, so dashboard.js (defer, after
   this one) finds it. */
import * as echarts from "../vendor/echarts/echarts.esm.min.js";

window.echarts = echarts;
