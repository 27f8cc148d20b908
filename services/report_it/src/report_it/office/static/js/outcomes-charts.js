// Charts for the outcomes screens, drawn as SVG: each is an image with a title for screen readers, and always comes
// with its data table (the table is the figure; the chart is a picture of it), so nothing is said by colour alone.

import { h, uid } from "/app/js/dom.js";

const SVG = "http://www.w3.org/2000/svg";
// Okabe and Ito's palette: told apart with the common colour-vision deficiencies.
export const SERIES = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"];
// Light to dark blue: more reports per 1,000 residents is darker.
export const SHADES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== null && value !== undefined) el.setAttribute(key, value);
  if (text !== null) el.textContent = text;
  return el;
}

function frame(width, height, label) {
  const id = uid("chart-title");
  const root = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": id });
  root.append(svg("title", { id }, label));
  return root;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * step).find((m) => m >= value);
}

function axis(root, { left, top, width, height, max }) {
  for (let i = 0; i <= 4; i += 1) {
    const y = top + height - (height * i) / 4;
    root.append(svg("line", { class: "grid", x1: left, x2: left + width, y1: y, y2: y }));
    root.append(svg("text", { class: "tick", x: left - 6, y: y + 4, "text-anchor": "end" }, String(Math.round((max * i) / 4 * 10) / 10)));
  }
}

// A table with a caption, column headings and one row per item; `cells` gives a row's values after its heading.
export function dataTable({ caption, columns, rows }) {
  return h("table", { class: "data" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, columns.map((c, i) => h("th", { scope: "col", class: i ? "num" : null }, c)))),
    h("tbody", {}, rows.map(([head, ...cells]) => h("tr", {},
      h("th", { scope: "row" }, head), cells.map((c) => h("td", { class: "num" }, c === null || c === undefined ? "–" : String(c)))))));
}

// A figure: the chart, a legend where there are several series, and its table shown beneath it.
export function chartFigure({ id, title, chart, legend = null, table, links = [] }) {
  return h("section", { class: "outcome-figure", id, "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading` }, title),
    h("div", { class: "chart-wrap" }, chart),
    legend,
    table,
    links.length ? h("p", { class: "downloads" }, links) : null);
}

function swatch(fill) {
  const box = svg("svg", { class: "swatch", viewBox: "0 0 16 16", "aria-hidden": "true", focusable: "false" });
  box.append(svg("rect", { x: 0.5, y: 0.5, width: 15, height: 15, fill, class: fill === null ? "none" : null }));
  return box;
}

export function legendOf(names) {
  return h("ul", { class: "legend" }, names.map((name, i) => h("li", {}, swatch(SERIES[i % SERIES.length]), name)));
}

// Lines over months, one per series; each point is also marked, so one month alone still shows.
export function lineChart({ label, months, series }) {
  const [width, height, left, top, bottom] = [720, 280, 48, 12, 36];
  const inner = { left, top, width: width - left - 12, height: height - top - bottom };
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const root = frame(width, height, label);
  axis(root, { ...inner, max });
  const x = (i) => inner.left + (months.length > 1 ? (inner.width * i) / (months.length - 1) : inner.width / 2);
  const y = (v) => inner.top + inner.height - (inner.height * v) / max;
  const every = Math.ceil(months.length / 12);
  months.forEach((m, i) => {
    if (i % every === 0) root.append(svg("text", { class: "tick", x: x(i), y: height - 14, "text-anchor": "middle" }, m));
  });
  series.forEach((s, k) => {
    const colour = SERIES[k % SERIES.length];
    const points = s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ");
    root.append(svg("polyline", { class: "line", points, stroke: colour }));
    s.values.forEach((v, i) => root.append(svg("circle", { cx: x(i), cy: y(v), r: 3, fill: colour })));
  });
  return root;
}

// Bars in groups (one group per category on the x axis, one bar per series in each).
export function barChart({ label, groups, series }) {
  const [width, height, left, top, bottom] = [720, 260, 48, 12, 36];
  const inner = { left, top, width: width - left - 12, height: height - top - bottom };
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const root = frame(width, height, label);
  axis(root, { ...inner, max });
  const slot = inner.width / Math.max(groups.length, 1);
  const bar = (slot * 0.8) / Math.max(series.length, 1);
  groups.forEach((g, i) => {
    root.append(svg("text", { class: "tick", x: inner.left + slot * (i + 0.5), y: height - 14, "text-anchor": "middle" }, g));
    series.forEach((s, k) => {
      const v = s.values[i] || 0;
      const barHeight = (inner.height * v) / max;
      root.append(svg("rect", { x: inner.left + slot * i + slot * 0.1 + bar * k, y: inner.top + inner.height - barHeight,
        width: Math.max(bar - 2, 1), height: barHeight, fill: SERIES[k % SERIES.length] }));
    });
  });
  return root;
}

// Classes for the map: five equal steps from 0 to the largest value.
export function classesFor(values) {
  const max = Math.max(0, ...values.filter((v) => typeof v === "number"));
  const step = max > 0 ? max / SHADES.length : 1;
  return { step, classOf: (v) => (typeof v === "number" ? Math.min(Math.floor(v / step), SHADES.length - 1) : null) };
}

function projector(lat0) {
  const cos = Math.cos((lat0 * Math.PI) / 180);
  return ([long, lat]) => [long * cos * 1000, -lat * 1000];
}

// Wards shaded by a value; a ward with none (withheld, or no residents known) is hatched grey.
export function wardMap({ label, shapes, valueOf }) {
  const all = shapes.flatMap((w) => w.rings.flat());
  const lat0 = all.reduce((sum, p) => sum + p[1], 0) / Math.max(all.length, 1);
  const project = projector(lat0);
  const xs = all.map((p) => project(p)[0]);
  const ys = all.map((p) => project(p)[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = (maxX - minX) * 0.02;
  const root = svg("svg", { class: "chart ward-map", viewBox: [minX - pad, minY - pad, maxX - minX + 2 * pad, maxY - minY + 2 * pad].join(" "),
    role: "img", "aria-labelledby": uid("map") });
  root.append(svg("title", { id: root.getAttribute("aria-labelledby") }, label));
  const { classOf } = classesFor(shapes.map((w) => valueOf(w.code)));
  for (const ward of shapes) {
    const shade = classOf(valueOf(ward.code));
    const d = ward.rings.map((ring) => `M${ring.map((p) => project(p).join(",")).join("L")}Z`).join("");
    const path = svg("path", { class: shade === null ? "ward none" : "ward", d, fill: shade === null ? null : SHADES[shade] });
    path.append(svg("title", {}, ward.name));
    root.append(path);
  }
  return root;
}

export function mapLegend(values, format) {
  const { step } = classesFor(values);
  return h("ul", { class: "legend" },
    SHADES.map((colour, i) => h("li", {}, swatch(colour), `${format(step * i)} to ${format(step * (i + 1))}`)),
    h("li", {}, swatch(null), "withheld or not known"));
}
