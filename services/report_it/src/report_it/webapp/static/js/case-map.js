// The caseload on a map (Leaflet, loaded only when the server offers map tiles and the map is opened): one pin per
// case, opening the case; the list stays the main way to work, the map shows where the work is.

import { h } from "./dom.js";
import { loadLeaflet } from "./location.js";

export function caseMap(config, { onOpen }) {
  const box = h("div", { class: "map", role: "region", "aria-label": "Map of these cases" });
  const details = h("details", { id: "case-map" }, h("summary", {}, "Show these cases on a map"), box);
  let map = null;
  let layer = null;
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
    }
    if (layer) layer.remove();
    layer = L.featureGroup().addTo(map);
    for (const item of shown.cases) {
      const marker = L.marker([item.location.lat, item.location.long], { title: item.title, alt: item.title, keyboard: true });
      if (item.reportId) marker.on("click", () => onOpen(item.reportId));
      marker.addTo(layer);
    }
    if (shown.position) {
      L.circleMarker([shown.position.lat, shown.position.long], { radius: 8, color: "#0b3d6b", fillOpacity: 0.9 })
        .bindTooltip("You are here")
        .addTo(layer);
    }
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    else map.setView([config.centre.lat, config.centre.long], 13);
    map.invalidateSize();
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
