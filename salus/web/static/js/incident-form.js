/* Salus, the incident form (issue 13): add and remove person rows, and pick the area by name.
   A static file (the Content-Security-Policy runs no inline script); every text from the
   server goes into the page through textContent, never innerHTML. Without JavaScript the form
   still works: "Add another person" submits for one more row, "Remove" ticks drop a row, and
   an area name typed in the area field is looked up when the form is saved; the map (hidden
   without JavaScript) draws the areas of the user's scope, and a click on one picks it. */
(function () {
  "use strict";
  var form = document.getElementById("incident-form");
  if (!form) { return; }

  /* --- person rows --- */
  var addButton = document.getElementById("add-person");
  function personRows() { return form.querySelectorAll("div.person"); }
  function nextIndex() {
    var top = -1;
    personRows().forEach(function (row) {
      top = Math.max(top, parseInt(row.getAttribute("data-index"), 10));
    });
    return top + 1;
  }
  function renumber(node, from, to) {
    ["name", "id", "data-field"].forEach(function (attr) {
      node.querySelectorAll("[" + attr + "]").forEach(function (el) {
        el.setAttribute(attr, el.getAttribute(attr).replace("persons-" + from + "-", "persons-" + to + "-"));
      });
    });
  }
  function clearRow(row) {
    row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    row.querySelectorAll("input, select").forEach(function (el) {
      el.classList.remove("invalid");
      el.removeAttribute("aria-invalid");
      if (el.type === "checkbox") { el.checked = false; }
      else if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      else { el.value = ""; }
    });
    var role = row.querySelector("select[name$='-role']");
    if (role) { role.value = "victim"; }
    ["sex", "outcome"].forEach(function (name) {
      var sel = row.querySelector("select[name$='-" + name + "']");
      if (sel) { sel.value = "unknown"; }
    });
  }
  function wireRemove(row) {
    var box = row.querySelector("input.remove-person");
    if (!box) { return; }
    box.addEventListener("change", function () {
      if (box.checked && personRows().length > 1) { row.remove(); }
    });
  }
  if (addButton) {
    addButton.addEventListener("click", function (event) {
      var rows = personRows();
      if (!rows.length) { return; }  /* no template row: let the server add one */
      event.preventDefault();
      var last = rows[rows.length - 1];
      var from = last.getAttribute("data-index");
      var to = nextIndex();
      var copy = last.cloneNode(true);
      copy.setAttribute("data-index", String(to));
      copy.id = "person-" + to;
      renumber(copy, from, to);
      clearRow(copy);
      last.after(copy);
      wireRemove(copy);
      var first = copy.querySelector("select");
      if (first) { first.focus(); }
    });
  }
  personRows().forEach(wireRemove);

  /* --- area picker --- */
  var search = document.getElementById("area-search");
  var list = document.getElementById("area-matches");
  var code = document.getElementById("in-area_code");
  var chosen = document.getElementById("area-chosen");
  if (!search || !list || !code) { return; }
  var timer = null;
  var asked = 0;
  var mark = function () {};  /* the map's highlight of the chosen area, once drawn */
  function choose(area) {
    code.value = area.code;
    mark(area.code);
    if (chosen) { chosen.textContent = area.name + " (" + area.code + ")"; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    search.value = area.name;
  }
  function show(areas) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    areas.forEach(function (area) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "area-match";
      button.setAttribute("data-code", area.code);
      button.textContent = area.name + (area.parent_name ? " — " + area.parent_name : "") + " (" + area.code + ")";
      button.addEventListener("click", function () { choose(area); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }
  function lookup() {
    var text = search.value.trim();
    if (text.length < 2) { show([]); return; }
    var mine = ++asked;
    fetch(search.getAttribute("data-source") + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) { return response.ok ? response.json() : []; })
      .then(function (areas) { if (mine === asked) { show(areas); } })
      .catch(function () { show([]); });
  }
  search.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(lookup, 200);
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); lookup(); }
  });
  /* a click on the areas layer of a map on this page picks its area too */
  document.addEventListener("salus:area-click", function (event) {
    if (event.detail && event.detail.code) { choose(event.detail); }
  });

  /* --- the map: the areas of the user's scope; a click announces the area (salus:area-click) */
  var box = document.getElementById("area-map-box");
  var mapEl = document.getElementById("area-map");
  if (!box || !mapEl || !window.L) { return; }
  box.hidden = false;
  var lang = document.documentElement.lang;
  function shade(chosen) {
    return { color: chosen ? "#0b5cad" : "#555", weight: chosen ? 3 : 1,
             fillColor: chosen ? "#0b5cad" : "#9aa7b4", fillOpacity: chosen ? 0.45 : 0.2 };
  }
  function tip(name, areaCode) {  /* a DOM node: an area's name is text, never HTML */
    var node = document.createElement("div");
    var strong = document.createElement("strong");
    strong.textContent = name;
    node.appendChild(strong);
    node.appendChild(document.createTextNode(" (" + areaCode + ")"));
    return node;
  }
  var map = L.map(mapEl, { attributionControl: false, zoomSnap: 0.25 });
  fetch(mapEl.getAttribute("data-source"), {
    credentials: "same-origin", headers: { "Accept": "application/geo+json" }
  }).then(function (response) { return response.ok ? response.json() : { features: [] }; })
    .then(function (geo) {
      var shapes = {};
      var layer = L.geoJSON(geo, {
        style: function (f) { return shade(f.properties.code === code.value); },
        onEachFeature: function (f, lyr) {
          var props = f.properties;
          var name = (props.names && props.names[lang]) || props.name;
          shapes[props.code] = lyr;
          lyr.bindTooltip(tip(name, props.code), { sticky: true });
          lyr.on("click", function () {
            document.dispatchEvent(new CustomEvent("salus:area-click",
              { detail: { code: props.code, name: name } }));
          });
        }
      }).addTo(map);
      mark = function (chosenCode) {
        Object.keys(shapes).forEach(function (k) { shapes[k].setStyle(shade(k === chosenCode)); });
      };
      code.addEventListener("change", function () { mark(code.value.trim()); });
      if (geo.features.length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      else { box.hidden = true; }
      /* each shape says which area it draws (its path exists once the map has a view) */
      Object.keys(shapes).forEach(function (k) {
        var path = shapes[k].getElement && shapes[k].getElement();
        if (path) { path.setAttribute("data-code", k); }
      });
      mapEl.setAttribute("data-features", String(geo.features.length));
      mapEl.classList.add("map-ready");
    })
    .catch(function () { box.hidden = true; });
})();
