/* Salus public report form: "Use my location" and "Show a map" (Leaflet, loaded only when
   asked for, as phones on weak connections should not fetch it) fill the coordinates. The
   button labels come from the data-locate and data-show-map attributes of #map-tools. */
(function () {
  "use strict";
  var tools = document.getElementById("map-tools");
  if (!tools) return;

  function set(lat, lon) {
    document.getElementById("in-latitude").value = lat.toFixed(5);
    document.getElementById("in-longitude").value = lon.toFixed(5);
  }

  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = label;
    b.addEventListener("click", onClick);
    tools.appendChild(b);
  }

  function showMap() {
    var box = document.createElement("div");
    box.id = "map";
    tools.appendChild(box);
    var map = L.map(box), marker = null;
    fetch("/report/areas.geojson").then(function (r) { return r.json(); }).then(function (g) {
      var layer = L.geoJSON(g, { style: { weight: 1, fillOpacity: 0.05 } }).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
      else map.setView([0, 0], 2);
    });
    map.on("click", function (e) {
      set(e.latlng.lat, e.latlng.lng);
      if (marker) marker.setLatLng(e.latlng);
      else marker = L.circleMarker(e.latlng).addTo(map);
    });
  }

  if (navigator.geolocation) {
    button(tools.dataset.locate, function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        set(p.coords.latitude, p.coords.longitude);
      });
    });
  }
  button(tools.dataset.showMap, function () {
    this.disabled = true;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/static/vendor/leaflet/leaflet.css";
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = "/static/vendor/leaflet/leaflet.js";
    script.onload = showMap;
    document.head.appendChild(script);
  });
})();
