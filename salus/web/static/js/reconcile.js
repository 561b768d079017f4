/* Salus reconciliation: per-source, consolidated and estimated victims per stratum (ECharts,
   vendored), from the data-chart attribute of the reconciled table's page. */
(function () {
  "use strict";
  var el = document.getElementById("reconcile-chart");
  if (!el || !window.echarts) return;
  var c = JSON.parse(el.dataset.chart);
  var names = JSON.parse(el.dataset.names);
  var series = Object.keys(c.sources).map(function (s) {
    return { name: s, type: "bar", data: c.sources[s] };
  });
  series.push({ name: names.unique, type: "bar", data: c.unique, itemStyle: { color: "#0b5cad" } });
  series.push({ name: names.estimate, type: "scatter", data: c.estimate, symbolSize: 12,
                itemStyle: { color: "#f03b20" } });
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 50, right: 20, top: 40, bottom: 40 },
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: series.map(function (s) { return s.name; }) },
    xAxis: { type: "category", data: c.labels, axisLabel: { interval: 0, rotate: c.labels.length > 6 ? 30 : 0 } },
    yAxis: { type: "value" },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
