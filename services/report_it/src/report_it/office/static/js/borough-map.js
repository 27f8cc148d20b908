// Where a report is, drawn without map tiles (none can be reached from every office network): the borough's
// outline as SVG with the report's point and its hotspot, beside the position as text and a link to a full map.

import { h } from "/app/js/dom.js";

const SVG = "http://www.w3.org/2000/svg";
let outline;

function loadOutline() {
  if (!outline) outline = fetch("/office/borough.json").then((r) => (r.ok ? r.json() : null)).catch(() => null);
  return outline;
}

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  return el;
}

// A local flat projection: x eastwards, y southwards, one unit per metre north-south.
function projector(lat0) {
  const cos = Math.cos((lat0 * Math.PI) / 180);
  return ([long, lat]) => [long * cos * 111320, -lat * 111320];
}

export function positionText(location) {
  return `${location.lat.toFixed(5)}, ${location.long.toFixed(5)}`;
}

export function whereBlock(report) {
  const { lat, long } = report.location;
  const figure = h("div", { class: "map-slot" });
  const osm = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${long}#map=17/${lat}/${long}`;
  const text = h("div", {},
    h("p", {}, "Position: ", h("span", { class: "pos" }, positionText(report.location))),
    report.address ? h("p", {}, report.address) : null,
    h("p", {}, h("a", { href: osm, target: "_blank", rel: "noopener" }, "Open this position in OpenStreetMap (new tab)")));
  loadOutline().then((data) => {
    if (!data || !data.rings.length) return;
    const project = projector(lat);
    const rings = data.rings.map((ring) => ring.map(project));
    const xs = rings.flat().map((p) => p[0]);
    const ys = rings.flat().map((p) => p[1]);
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const pad = (maxX - minX) * 0.04;
    const box = [minX - pad, minY - pad, maxX - minX + 2 * pad, maxY - minY + 2 * pad];
    const map = svg("svg", { class: "borough-map", viewBox: box.join(" "), role: "img", "aria-labelledby": "map-title" });
    const title = svg("title", { id: "map-title" });
    title.textContent = `Map of ${data.name} with the report's position${report.hotspot ? " and its hotspot" : ""}`;
    map.append(title);
    for (const ring of rings) map.append(svg("path", { class: "outline", d: `M${ring.map((p) => p.join(",")).join("L")}Z` }));
    const unit = box[2] / 100;
    if (report.hotspot) {
      const [cx, cy] = project([report.hotspot.centre.long, report.hotspot.centre.lat]);
      map.append(svg("circle", { class: "hotspot", cx, cy, r: Math.max(report.hotspot.radius_m, unit * 3) }));
    }
    const [x, y] = project([long, lat]);
    map.append(svg("circle", { class: "here", cx: x, cy: y, r: unit * 2 }));
    figure.replaceChildren(map);
  });
  return h("div", { class: "where" }, figure, text);
}
