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

/* A map tooltip as DOM nodes: the area's name (anything an import brought) and the lines are
   text, never HTML. */
function salusTooltip(title, lines) {
  "use strict";
  var box = document.createElement("div");
  var strong = document.createElement("strong");
  strong.textContent = title;
  box.appendChild(strong);
  lines.forEach(function (line) {
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(line));
  });
  return box;
}

/* Hot-spot map: areas coloured by Gi* z-score (diverging; significant hot/cold spots outlined). */
(function () {
  "use strict";
  var el = document.getElementById("hotspot-map");
  if (!el || !window.L) return;
  var spec = JSON.parse(el.dataset.hotspots);
  function fill(v) {
    if (!v || v.z === null) return "#d9dee3";
    var z = Math.max(-3, Math.min(3, v.z));
    if (z >= 0) return "rgba(189, 0, 38, " + (0.15 + 0.8 * z / 3).toFixed(2) + ")";
    return "rgba(33, 102, 172, " + (0.15 + 0.8 * -z / 3).toFixed(2) + ")";
  }
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  fetch(spec.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); })
    .then(function (geo) {
      var layer = L.geoJSON(geo, {
        style: function (f) {
          var v = spec.values[f.properties.code];
          var marked = v && v["class"] !== "none";
          return { color: marked ? "#000" : "#777", weight: marked ? 3 : 1, fillOpacity: 1,
                   fillColor: fill(v) };
        },
        onEachFeature: function (f, lyr) {
          var v = spec.values[f.properties.code];
          var tag = v && v["class"] === "hot" ? spec.labels.hot :
                    v && v["class"] === "cold" ? spec.labels.cold : "";
          var lines = [spec.labels.count + ": " + (v ? v.count : "—"),
                       "z: " + (v && v.z !== null ? v.z : "—")];
          if (tag) lines.push(tag);
          lyr.bindTooltip(salusTooltip(f.properties.name, lines), { sticky: true });
        }
      }).addTo(map);
      if (geo.features.length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      el.classList.add("map-ready");
    });
})();

/* Cluster map: areas of the space-time clusters outlined and coloured by p-value. */
(function () {
  "use strict";
  var el = document.getElementById("cluster-map");
  if (!el || !window.L) return;
  var spec = JSON.parse(el.dataset.clusters);
  function fill(v) {
    if (!v || v.p === null) return "#d9dee3";
    if (v.p < 0.01) return "#bd0026";
    if (v.p < 0.05) return "#f03b20";
    if (v.p < 0.2) return "#fd8d3c";
    return "#fed976";
  }
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  fetch(spec.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); })
    .then(function (geo) {
      var layer = L.geoJSON(geo, {
        style: function (f) {
          var v = spec.values[f.properties.code];
          return { color: v ? "#000" : "#777", weight: v ? 3 : 1, fillOpacity: v ? 0.8 : 0.4,
                   fillColor: fill(v) };
        },
        onEachFeature: function (f, lyr) {
          var v = spec.values[f.properties.code];
          var lines = v ? [spec.labels.cluster + " " + v.rank + ", " + spec.labels.p + " = " +
                           (v.p === null ? "—" : v.p)] : [];
          lyr.bindTooltip(salusTooltip(f.properties.name, lines), { sticky: true });
        }
      }).addTo(map);
      if (geo.features.length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      el.classList.add("map-ready");
    });
})();
