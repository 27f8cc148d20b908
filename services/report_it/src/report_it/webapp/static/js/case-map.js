// The caseload on a map (Leaflet, loaded only when the server offers map tiles and the map is opened): one pin per
// case, opening the case; the list stays the main way to work, the map shows where the work is.
//
// Cases close together (a street with three reports) would put pins on top of each other, too small to tap with
// gloves on and impossible to tell apart, so pins that would overlap at the current zoom are drawn as one numbered
// pin: tapping it zooms in on them, or, where they share a spot, lists them to choose from.

import { h } from "./dom.js";
import { loadLeaflet } from "./location.js";

// Pins closer than this many screen pixels are grouped; a default pin is 25 × 41, a group pin 44 × 44.
const GROUP_WITHIN_PX = 48;

export function caseMap(config, { onOpen }) {
  const box = h("div", { class: "map", role: "region", "aria-label": "Map of these cases" });
  const details = h("details", { id: "case-map" }, h("summary", {}, "Show these cases on a map"), box);
  let map = null;
  let pins = null;
  let shown = { cases: [], position: null };

  async function draw() {
    if (!details.open) return;
    const L = await loadLeaflet();
    if (!map) {
      map = L.map(box, { zoomControl: true });
      L.tileLayer(config.tiles.url, {
        attribution: config.tiles.attribution,
        maxZoom: config.tiles.max_zoom || 19,
        crossOrigin: true,
      }).addTo(map);
      map.on("zoomend", () => placePins(L));
    }
    const points = shown.cases.map((item) => [item.location.lat, item.location.long]);
    if (shown.position) points.push([shown.position.lat, shown.position.long]);
    map.invalidateSize();
    if (points.length) map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 16 });
    else map.setView([config.centre.lat, config.centre.long], 13);
    placePins(L);
  }

  function placePins(L) {
    if (pins) pins.remove();
    pins = L.layerGroup().addTo(map);
    for (const group of groupsAtThisZoom(map, shown.cases)) {
      if (group.length === 1) pins.addLayer(singlePin(L, group[0]));
      else pins.addLayer(groupPin(L, group));
    }
    if (shown.position) {
      L.circleMarker([shown.position.lat, shown.position.long], { radius: 8, color: "#0b3d6b", fillOpacity: 0.9 })
        .bindTooltip("You are here")
        .addTo(pins);
    }
  }

  function singlePin(L, item) {
    const marker = L.marker([item.location.lat, item.location.long], { title: item.title, alt: item.title, keyboard: true });
    if (item.reportId) marker.on("click", () => onOpen(item.reportId));
    return marker;
  }

  function groupPin(L, group) {
    const where = L.latLngBounds(group.map((item) => [item.location.lat, item.location.long]));
    const label = `${group.length} cases here`;
    const marker = L.marker(where.getCenter(), {
      title: label,
      keyboard: true,
      icon: L.divIcon({ className: "case-group", html: `<span aria-hidden="true">${group.length}</span>`, iconSize: [44, 44] }),
    });
    marker.on("click", () => {
      const closer = map.getBoundsZoom(where, false, L.point(48, 48));
      if (closer > map.getZoom() && map.getZoom() < map.getMaxZoom()) map.flyToBounds(where, { padding: [48, 48] });
      else marker.bindPopup(choices(group), { maxWidth: 260 }).openPopup();
    });
    return marker;
  }

  function choices(group) {
    return h(
      "ul",
      { class: "case-choices" },
      ...group.map((item) =>
        h("li", {}, h("button", { type: "button", onclick: () => item.reportId && onOpen(item.reportId) }, item.title)),
      ),
    );
  }

  details.addEventListener("toggle", () => draw().catch(() => box.replaceChildren(h("p", {}, "The map could not be loaded."))));
  return {
    element: config.tiles ? details : null,
    show(cases, position) {
      shown = { cases, position };
      if (config.tiles) draw().catch(() => {});
    },
  };
}

// Greedy grouping in screen space: each case joins the first group whose first pin is within reach.
function groupsAtThisZoom(map, cases) {
  const groups = [];
  for (const item of cases) {
    const at = map.latLngToLayerPoint([item.location.lat, item.location.long]);
    const near = groups.find((group) => group.at.distanceTo(at) < GROUP_WITHIN_PX);
    if (near) near.items.push(item);
    else groups.push({ at, items: [item] });
  }
  return groups.map((group) => group.items);
}
