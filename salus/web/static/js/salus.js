/* Salus: draws ECharts charts and Leaflet maps from data-* attributes, after every HTMX swap.
   No tiles: the area polygons are the map. Colours: 5 quantile classes (ColorBrewer YlOrRd). */
(function () {
  "use strict";
  var COLOURS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  var rtl = document.documentElement.dir === "rtl";

  function drawChart(el) {
    if (el.dataset.drawn || !window.echarts) return;
    var spec = JSON.parse(el.dataset.chart);
    var chart = echarts.init(el, null, { renderer: "svg" });
    var horizontal = spec.type === "bar" && spec.categories.length > 6;
    var cat = { type: "category", data: spec.categories, inverse: horizontal && !rtl,
                axisLabel: { interval: 0, width: 140, overflow: "truncate" } };
    var val = { type: "value", position: rtl ? "right" : undefined };
    chart.setOption({
      animation: false,
      grid: { left: horizontal ? 150 : 50, right: 20, top: 30, bottom: 30, containLabel: false },
      tooltip: { trigger: "axis" },
      legend: { show: spec.series.length > 1, top: 0 },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? cat : val,
      series: spec.series.map(function (s, i) {
        return { name: s.name, type: spec.type, data: s.data, smooth: false,
                 lineStyle: s.dashed ? { type: "dashed" } : undefined,
                 itemStyle: { color: i === 0 ? "#0b5cad" : "#9aa7b4" } };
      })
    });
    el.dataset.drawn = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function breaks(values) {
    var v = values.filter(function (x) { return x !== null && x !== undefined; })
                  .sort(function (a, b) { return a - b; });
    if (!v.length) return [];
    var cuts = [0.2, 0.4, 0.6, 0.8].map(function (q) { return v[Math.floor(q * (v.length - 1))]; });
    return cuts.filter(function (c, i) { return c < v[v.length - 1] && cuts.indexOf(c) === i; });
  }

  function colour(value, cuts) {
    if (value === null || value === undefined) return "#d9dee3";
    var i = 0;
    while (i < cuts.length && value > cuts[i]) i++;
    return COLOURS[i];
  }

  /* Data reaches the page as text, never as HTML (an area's name may be anything an import
     brought): tooltips and the legend are DOM nodes filled with textContent. */
  function tooltip(title, lines) {
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

  function legendRow(div, colour, text) {
    var swatch = L.DomUtil.create("i", "", div);
    swatch.style.background = colour;
    div.appendChild(document.createTextNode(text));
    L.DomUtil.create("br", "", div);
  }

  function legend(map, cuts, labels) {
    var box = L.control({ position: "bottomright" });
    box.onAdd = function () {
      var div = L.DomUtil.create("div", "legend");
      L.DomUtil.create("strong", "", div).textContent = labels.rate;
      L.DomUtil.create("br", "", div);
      var edges = [0].concat(cuts);
      for (var i = 0; i < edges.length; i++) {
        legendRow(div, COLOURS[i], edges[i].toFixed(1) +
                  (i + 1 < edges.length ? "–" + edges[i + 1].toFixed(1) : "+"));
      }
      legendRow(div, "#d9dee3", labels.nodata);
      return div;
    };
    box.addTo(map);
  }

  function drawMap(el) {
    if (el.dataset.drawn || !window.L) return;
    el.dataset.drawn = "1";
    var spec = JSON.parse(el.dataset.map);
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    fetch(spec.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (geo) {
        var rates = Object.keys(spec.values).map(function (k) { return spec.values[k].rate; });
        var cuts = breaks(rates);
        var layer = L.geoJSON(geo, {
          style: function (f) {
            var v = spec.values[f.properties.code];
            return { color: "#555", weight: 1, fillOpacity: 0.85,
                     fillColor: colour(v ? v.rate : null, cuts) };
          },
          onEachFeature: function (f, lyr) {
            var v = spec.values[f.properties.code];
            var name = (f.properties.names && f.properties.names[document.documentElement.lang]) || f.properties.name;
            lyr.bindTooltip(tooltip(name, [spec.labels.rate + ": " + (v ? v.rate_text : "—"),
                                           spec.labels.victims + ": " + (v ? v.victims : "—")]),
                            { sticky: true });
            lyr.on("click", function () { window.location = spec.drill + encodeURIComponent(f.properties.code); });
          }
        }).addTo(map);
        if (geo.features.length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
        legend(map, cuts, spec.labels);
        el.dataset.features = String(geo.features.length);
        el.classList.add("map-ready");
      });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(drawChart);
    (root || document).querySelectorAll("[data-map]").forEach(drawMap);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawAll(e.target); });
})();
