// The outcomes dashboard for staff (#/outcomes): reports per month per footprint, wards shaded by reports per 1,000
// residents, time to fix, forwarding and hotspots before and after a clear-up, each chart with its data table and
// its figures as JSON and CSV from the API.

import { focusHeading, h, mount } from "/app/js/dom.js";
import { api } from "./office-api.js";
import { barChart, chartFigure, dataTable, legendOf, lineChart, mapLegend, wardMap } from "./outcomes-charts.js";
import { defaultPeriod, downloadLink, failureText, monthsBetween, placeName, query, share } from "./outcomes-data.js";

let current = 0; // the last load asked for: an older answer arriving late is not drawn

export function ensureStyles() {
  if (document.querySelector('link[href="outcomes.css"]')) return;
  document.head.append(h("link", { rel: "stylesheet", href: "outcomes.css" }));
}

function links(path, params, name) {
  const q = query(params);
  return [downloadLink(`${path}?${q}`, "JSON", `${name}.json`), downloadLink(`${path}.csv?${q}`, "CSV", `${name}.csv`)];
}

function perMonth(figures, period) {
  const months = monthsBetween(period.from, period.to);
  const footprints = [...new Set(figures.rows.map((r) => r.footprint))].sort();
  const count = new Map(figures.rows.map((r) => [`${r.month}|${r.footprint}`, r.reported]));
  const series = footprints.map((fp) => ({ name: placeName(fp), values: months.map((m) => count.get(`${m}|${fp}`) || 0) }));
  const params = { from: period.from, to: period.to, group_by: "month,footprint", fix_times: "false" };
  return chartFigure({
    id: "per-month", title: "Reports per month, by footprint",
    chart: lineChart({ label: `Reports each month from ${period.from} to ${period.to}, one line per footprint`, months, series }),
    legend: legendOf(series.map((s) => s.name)),
    table: h("div", { class: "table-scroll" }, dataTable({
      caption: "Reports made each month, by footprint",
      columns: ["Month", ...series.map((s) => s.name)],
      rows: months.map((m, i) => [m, ...series.map((s) => s.values[i])]),
    })),
    links: links("/v1/outcomes/reports", params, "reports-per-month"),
  });
}

function perWard(figures, shapes, period) {
  // A ward with no row had no reports: none per 1,000 (null only where its residents are not known).
  const rate = new Map(figures.rows.map((r) => [r.ward, r.reports_per_1000]));
  const name = new Map(shapes.wards.map((w) => [w.code, w.name]));
  const rows = figures.rows.filter((r) => r.ward !== "").sort((a, b) => (name.get(a.ward) || a.ward).localeCompare(name.get(b.ward) || b.ward));
  const format = (v) => (Math.round(v * 100) / 100).toString();
  const values = rows.map((r) => r.reports_per_1000);
  return chartFigure({
    id: "per-ward", title: "Reports per 1,000 residents, by ward",
    chart: shapes.wards.length
      ? wardMap({ label: `Map of the borough's wards, darker where there were more reports per 1,000 residents, ${period.from} to ${period.to}`,
        shapes: shapes.wards, valueOf: (code) => (rate.has(code) ? rate.get(code) : 0) })
      : h("p", { class: "note" }, shapes.note || "No ward shapes are known; the figures are in the table."),
    legend: shapes.wards.length ? mapLegend(values, format) : null,
    table: dataTable({
      caption: "Reports and residents by ward",
      columns: ["Ward", "Reports", "Residents", "Per 1,000 residents"],
      rows: rows.map((r) => [name.get(r.ward) || placeName(r.ward, "ward"), r.reported, r.residents, r.reports_per_1000]),
    }),
    links: links("/v1/outcomes/reports", { from: period.from, to: period.to, group_by: "ward", fix_times: "false" }, "reports-per-ward"),
  });
}

function fixTimes(figures, period) {
  const rows = [...figures.rows, figures.total];
  const label = (r) => (r.footprint === null ? "All footprints" : placeName(r.footprint));
  return chartFigure({
    id: "fix-times", title: "Time to fix (working time from report to fix)",
    chart: barChart({ label: `Reports fixed from ${period.from} to ${period.to} by how long the fix took, in working time`,
      groups: figures.bands.map((b) => b.label), series: [{ name: "All footprints", values: figures.total.reports }] }),
    table: h("div", { class: "table-scroll" }, dataTable({
      caption: "Reports fixed, by working time to fix and footprint; median and 90th percentile in working hours",
      columns: ["Footprint", ...figures.bands.map((b) => b.label), "Fixed", "Median (h)", "90th percentile (h)"],
      rows: rows.map((r) => [label(r), ...r.reports, r.fixed, r.median_fix_hours, r.p90_fix_hours]),
    })),
    links: links("/v1/outcomes/fix-times", { from: period.from, to: period.to }, "fix-times"),
  });
}

function forwarding(figures, period) {
  const rows = figures.rows;
  return chartFigure({
    id: "forwarding", title: "Forwarding: reports recategorised or moved to another footprint",
    chart: barChart({ label: `Share of reports forwarded, by footprint, ${period.from} to ${period.to}, in per cent`,
      groups: rows.map((r) => placeName(r.footprint)), series: [{ name: "Forwarded", values: rows.map((r) => Math.round((r.forwarded_share || 0) * 1000) / 10) }] }),
    table: h("div", { class: "table-scroll" }, dataTable({
      caption: "Reports forwarded after they were made, by footprint (counted in the month made)",
      columns: ["Footprint", "Reports", "Forwarded", "Share", "Recategorised", "Moved footprint", "Hand-offs", "Mean hours added"],
      rows: [...rows, { ...figures.total, footprint: null }].map((r) => [r.footprint === null ? "All footprints" : placeName(r.footprint),
        r.reported, r.forwarded, share(r.forwarded_share), r.recategorised, r.moved_footprint, r.forwards, r.forward_hours_mean]),
    })),
    links: links("/v1/outcomes/reports", { from: period.from, to: period.to, group_by: "footprint", fix_times: "false" }, "forwarding"),
  });
}

function hotspots(figures, period) {
  const shown = [...figures.cleared].sort((a, b) => b.report_count - a.report_count).slice(0, 12);
  const label = (x) => `${placeName(x.category, "category")} at ${x.centre_lat.toFixed(4)}, ${x.centre_long.toFixed(4)}`;
  const params = { from: period.from, to: period.to, weeks: figures.weeks };
  return chartFigure({
    id: "hotspots", title: `Hotspots before and after a clear-up (${figures.weeks} weeks each side)`,
    chart: shown.length
      ? barChart({ label: `Reports at the ${shown.length} largest hotspots cleared from ${period.from} to ${period.to}, before and after`,
        groups: shown.map((x, i) => String(i + 1)), series: [{ name: "Before", values: shown.map((x) => x.before) }, { name: "After", values: shown.map((x) => x.after) }] })
      : h("p", { class: "note" }, "No hotspot was cleared in the period."),
    legend: shown.length ? legendOf(["Before", "After"]) : null,
    table: h("div", { class: "table-scroll" }, dataTable({
      caption: `Cleared hotspots, largest first; mean difference in differences ${figures.difference_in_differences ?? "not known"} (below 0: fewer came back than at comparable hotspots)`,
      columns: ["Hotspot", "Reports", "Cleared by", "Before", "After", "Comparisons", "Difference in differences"],
      rows: shown.map((x, i) => [`${i + 1}. ${label(x)}`, x.report_count, x.cleared_by.replace("_", " "), x.before, x.after, x.comparisons, x.difference_in_differences]),
    })),
    links: [...links("/v1/outcomes/hotspots", params, "hotspots"), figures.cleanups_note ? h("span", { class: "note" }, figures.cleanups_note) : null],
  });
}

async function draw(slot, period) {
  const ticket = ++current;
  slot.replaceChildren(h("p", { role: "status" }, "Reading the figures…"));
  const at = { from: period.from, to: period.to };
  try {
    const [monthly, wards, shapes, fixes, footprints, cleared] = await Promise.all([
      api(`/v1/outcomes/reports?${query({ ...at, group_by: "month,footprint", fix_times: "false" })}`),
      api(`/v1/outcomes/reports?${query({ ...at, group_by: "ward", fix_times: "false" })}`),
      api("/v1/outcomes/ward-shapes"),
      api(`/v1/outcomes/fix-times?${query(at)}`),
      api(`/v1/outcomes/reports?${query({ ...at, group_by: "footprint", fix_times: "false" })}`),
      api(`/v1/outcomes/hotspots?${query(at)}`),
    ]);
    if (ticket !== current) return;
    const illustrative = monthly.data.populations.illustrative
      ? h("p", { class: "notice warn" }, "The ward populations are illustrative, not the council's figures: reports per 1,000 residents are too.")
      : null;
    slot.replaceChildren(illustrative, perMonth(monthly.data, period), perWard(wards.data, shapes.data, period),
      fixTimes(fixes.data, period), forwarding(footprints.data, period), hotspots(cleared.data, period));
    slot.dataset.loaded = `${period.from}|${period.to}`;
  } catch (failure) {
    if (ticket === current) slot.replaceChildren(h("p", { class: "error-text", role: "alert" }, failureText(failure)));
  }
}

export function periodForm(period, onChange) {
  const from = h("input", { type: "month", id: "outcomes-from", value: period.from, required: true });
  const to = h("input", { type: "month", id: "outcomes-to", value: period.to, required: true });
  const form = h("form", { class: "period", "aria-label": "Period" },
    h("div", { class: "field" }, h("label", { for: "outcomes-from" }, "From month"), from),
    h("div", { class: "field" }, h("label", { for: "outcomes-to" }, "To month"), to),
    h("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (from.value && to.value) onChange({ from: from.value, to: to.value });
  });
  return form;
}

export async function renderOutcomes(main) {
  ensureStyles();
  const slot = h("div", { id: "outcome-figures" });
  const period = defaultPeriod();
  mount(main, h("div", { class: "outcomes" },
    h("h1", {}, "Outcomes"),
    h("p", {}, "The Deal's measures, from the monthly rollups; definitions in the council's outcomes guide (docs/outcomes.md). Councillors' ward view, with small numbers withheld: ",
      h("a", { href: "#/wards" }, "ward figures"), "."),
    periodForm(period, (chosen) => draw(slot, chosen)),
    slot));
  focusHeading(main);
  await draw(slot, period);
}

export function stopOutcomes() {
  current += 1;
}
