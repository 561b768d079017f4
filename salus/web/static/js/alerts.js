/* Salus alerts: the series of one alert with its expected count, the band up to the threshold
   and the threshold itself, from the data-series attribute (ECharts, vendored). */
(function () {
  "use strict";
  var el = document.getElementById("alert-series");
  if (!el || !window.echarts) return;
  var s = JSON.parse(el.dataset.series);
  var names = JSON.parse(el.dataset.names);
  var band = s.upper.map(function (u, i) {
    return u === null || s.expected[i] === null ? null : Math.max(0, u - s.expected[i]);
  });
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 50, right: 20, top: 30, bottom: 30 },
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [names.observed, names.expected, names.upper] },
    xAxis: { type: "category", data: s.labels },
    yAxis: { type: "value" },
    series: [
      { name: names.expected, type: "line", data: s.expected, stack: "band", symbol: "none",
        lineStyle: { type: "dashed", color: "#6b7785" }, itemStyle: { color: "#6b7785" } },
      { name: names.upper, type: "line", data: band, stack: "band", symbol: "none",
        areaStyle: { color: "rgba(240, 59, 32, 0.15)" },
        lineStyle: { color: "#f03b20" }, itemStyle: { color: "#f03b20" },
        tooltip: { valueFormatter: function () { return ""; } } },
      { name: names.observed, type: "line", data: s.observed, itemStyle: { color: "#0b5cad" },
        markPoint: { data: [{ coord: [s.labels.length - 1, s.observed[s.observed.length - 1]] }] } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
