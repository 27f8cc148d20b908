// The councillors' ward view (#/wards): open data, readable without signing in. Per ward over public categories:
// reports, per 1,000 residents, fixed, within target, median time to fix and the share forwarded, with small numbers
// withheld by the server (shown as "withheld"); no report, address or person is ever shown.

import { request } from "/app/js/api.js";
import { focusHeading, h, mount } from "/app/js/dom.js";
import { chartFigure, dataTable, mapLegend, wardMap } from "./outcomes-charts.js";
import { defaultPeriod, failureText, query, share } from "./outcomes-data.js";
import { ensureStyles, periodForm } from "./outcomes.js";

const WITHHELD = "withheld";
let current = 0;

function cell(row, name, value) {
  return row.withheld.includes(name) ? WITHHELD : value;
}

function figure(data, shapes) {
  const rate = new Map(data.rows.map((r) => [r.ward, r.reports_per_1000]));
  const q = query({ from: data.from_month, to: data.to_month });
  const format = (v) => (Math.round(v * 100) / 100).toString();
  return chartFigure({
    id: "ward-figures", title: "Reports per 1,000 residents, by ward",
    chart: shapes.wards.length
      ? wardMap({ label: `Map of the borough's wards, darker where there were more reports per 1,000 residents, ${data.from_month} to ${data.to_month}; grey where withheld`,
        shapes: shapes.wards, valueOf: (code) => rate.get(code) })
      : h("p", { class: "note" }, shapes.note || "No ward shapes are known; the figures are in the table."),
    legend: shapes.wards.length ? mapLegend(data.rows.map((r) => r.reports_per_1000), format) : null,
    table: h("div", { class: "table-scroll" }, dataTable({
      caption: `Reports by ward, ${data.from_month} to ${data.to_month}, public categories; fewer than ${data.min_count} withheld`,
      columns: ["Ward", "Residents", "Reports", "Per 1,000 residents", "Fixed", "Fixed within target", "Median hours to fix", "Forwarded"],
      rows: data.rows.map((r) => [r.ward_name, r.residents, cell(r, "reported", r.reported), cell(r, "reports_per_1000", r.reports_per_1000),
        cell(r, "fixed", r.fixed), cell(r, "within_target_share", share(r.within_target_share)),
        cell(r, "median_fix_hours", r.median_fix_hours), cell(r, "forwarded_share", share(r.forwarded_share))]),
    })),
    links: [h("a", { href: `/v1/open-data/outcomes/wards?${q}` }, "JSON"), h("a", { href: `/v1/open-data/outcomes/wards.csv?${q}` }, "CSV (open data)")],
  });
}

async function draw(slot, period) {
  const ticket = ++current;
  slot.replaceChildren(h("p", { role: "status" }, "Reading the figures…"));
  try {
    const [open, shapes] = await Promise.all([
      request(`/v1/open-data/outcomes/wards?${query(period)}`), request("/v1/outcomes/ward-shapes"),
    ]);
    if (ticket !== current) return;
    const total = open.data.total_reported === null ? WITHHELD : open.data.total_reported;
    slot.replaceChildren(h("p", {}, `Borough: ${total} reports in public categories.`), figure(open.data, shapes.data));
    slot.dataset.loaded = `${period.from}|${period.to}`;
  } catch (failure) {
    if (ticket === current) slot.replaceChildren(h("p", { class: "error-text", role: "alert" }, failureText(failure)));
  }
}

export async function renderWardView(main) {
  ensureStyles();
  const slot = h("div", { id: "ward-view" });
  const period = defaultPeriod();
  mount(main, h("div", { class: "outcomes" },
    h("h1", {}, "Ward figures"),
    h("p", {}, `Open data for councillors and residents. A ward with fewer than 5 reports is withheld, and, where only one is, the next smallest too, so that no count can be worked out from the total.`),
    periodForm(period, (chosen) => draw(slot, chosen)),
    slot));
  focusHeading(main);
  await draw(slot, period);
}
