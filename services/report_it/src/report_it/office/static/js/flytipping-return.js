// The Defra fly-tipping return for a financial quarter: the incidents missing a required field first (each opens
// its case, and its fields can be recorded here), then the export (WasteDataFlow's one row per incident, and the
// aggregate table) and the counts behind it.

import { h, mount, toast, uid } from "/app/js/dom.js";
import { api, currentToken, newKey, words } from "./office-api.js";

const FIELDS = [
  ["land_type", "land_types", "Land type"],
  ["waste_type", "waste_types", "Waste type"],
  ["size", "sizes", "Size"],
  ["cost_band", "cost_bands", "Clearance cost band"],
  ["enforcement_action", "enforcement_actions", "Enforcement action"],
];

// Financial quarters, the current one first: 2026-27-Q3 is October to December 2026.
export function recentQuarters(today = new Date(), count = 8) {
  let year = today.getMonth() >= 3 ? today.getFullYear() : today.getFullYear() - 1;
  let number = Math.floor(((today.getMonth() + 9) % 12) / 3) + 1;
  const out = [];
  for (let i = 0; i < count; i += 1) {
    out.push(`${year}-${String((year + 1) % 100).padStart(2, "0")}-Q${number}`);
    number -= 1;
    if (number === 0) [number, year] = [4, year - 1];
  }
  return out;
}

// A calendar day (YYYY-MM-DD) in words; read at noon, so no time zone moves it to another day.
function day(text) {
  return new Date(`${text}T12:00:00`).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
}

const MONTHS = { 1: "April to June", 2: "July to September", 3: "October to December", 4: "January to March" };

function quarterLabel(quarter) {
  const [first, , q] = quarter.split("-");
  const number = Number(q.slice(1));
  return `${quarter} (${MONTHS[number]} ${number === 4 ? Number(first) + 1 : first})`;
}

async function download(path, name) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${await currentToken()}` }, cache: "no-store" });
  if (!response.ok) throw new Error(`The export could not be made (${response.status}).`);
  const link = h("a", { href: URL.createObjectURL(await response.blob()), download: name, hidden: true });
  document.body.append(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
}

function table(caption, head, rows, id) {
  return h("table", { class: "grid-table", id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map((cell) => h("th", { scope: "col" }, cell)))),
    h("tbody", {}, rows.map(([first, ...rest]) => h("tr", {}, h("th", { scope: "row" }, first), rest.map((c) => h("td", {}, String(c)))))));
}

function editor(incident, codes, onSaved) {
  const ids = Object.fromEntries(FIELDS.map(([field]) => [field, uid(`ft-${field}`)]));
  const error = h("p", { class: "error-text", role: "alert" });
  const selects = {};
  const form = h("form", { class: "defra-edit", novalidate: true, "aria-label": `Defra fields for ${incident.reference}` },
    error,
    h("div", { class: "row" }, FIELDS.map(([field, list, label]) => {
      selects[field] = h("select", { id: ids[field] },
        h("option", { value: "" }, "Choose…"),
        codes[list].map((c) => h("option", { value: c.code }, c.name)));
      return h("div", { class: "field" }, h("label", { for: ids[field] }, label), selects[field]);
    })),
    h("button", { type: "submit" }, "Save the Defra fields"));
  api(`/v1/flytipping/incidents/${incident.report_id}`).then(({ data }) => {
    for (const [field] of FIELDS) if (data[field] && !selects[field].value) selects[field].value = data[field];
  }).catch(() => {});
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(FIELDS.map(([field]) => [field, selects[field].value || null]));
    try {
      await api(`/v1/flytipping/incidents/${incident.report_id}`, { method: "PUT", body, headers: { "Idempotency-Key": newKey() } });
      toast(`Defra fields saved for ${incident.reference}.`);
      onSaved();
    } catch (failure) {
      const named = (failure.problem && failure.problem.errors) || [];
      error.textContent = named.length
        ? named.map((e) => `${e.field.replace("body.", "").replace(/_/g, " ")}: ${e.reason}`).join("; ")
        : failure.message;
      const first = named.length && selects[named[0].field.replace("body.", "")];
      if (first) first.focus();
    }
  });
  return form;
}

function missingList(result, codes, reload) {
  const incomplete = result.incidents.filter((i) => i.missing.length);
  if (!incomplete.length) return h("p", { class: "notice ok", id: "flytipping-complete" }, "Every incident has its Defra fields.");
  return h("ul", { class: "cards", id: "flytipping-missing" }, incomplete.map((incident) => {
    const slot = h("div");
    const open = h("button", { type: "button", class: "secondary" }, "Record the fields");
    open.addEventListener("click", () => {
      open.hidden = true;
      mount(slot, editor(incident, codes, reload));
      slot.querySelector("select").focus();
    });
    return h("li", { class: "card", "data-report": incident.report_id },
      h("p", {}, h("a", { href: `/app/#/staff/case?id=${incident.report_id}` }, incident.reference),
        ` · reported ${day(incident.incident_date)} · ${words(incident.status)}`),
      h("p", { class: "hint" }, `Missing: ${incident.missing.map(words).join(", ")}`),
      open, slot);
  }));
}

function figures(result, codes) {
  const names = (list) => Object.fromEntries(codes[list].map((c) => [c.code, c.name]));
  const land = names("land_types");
  const waste = names("waste_types");
  const grid = result.aggregate.land_by_waste;
  // On screen the waste types that occur; the CSV has every one.
  const seen = Object.keys(waste).filter((w) => Object.values(grid).some((row) => row[w]));
  const landRows = Object.entries(grid).map(([code, row]) => [land[code], ...seen.map((w) => row[w]),
    Object.values(row).reduce((a, b) => a + b, 0)]);
  const sizes = names("sizes");
  const actions = names("enforcement_actions");
  return [
    table("Incidents by land type and waste type", ["Land type", ...seen.map((w) => waste[w]), "Total"], landRows, "flytipping-land-waste"),
    table("Incidents by size", ["Size", "Incidents"], Object.entries(result.aggregate.by_size).map(([c, n]) => [sizes[c], n]), "flytipping-sizes"),
    table("Enforcement actions", ["Action", "Incidents"], Object.entries(result.aggregate.actions).map(([c, n]) => [actions[c], n]), "flytipping-actions"),
  ];
}

export async function renderFlyTippingReturn(main) {
  const quarters = recentQuarters();
  const pickId = uid("quarter");
  const pick = h("select", { id: pickId }, quarters.map((q) => h("option", { value: q }, quarterLabel(q))));
  const body = h("div", { id: "flytipping-return", "aria-live": "polite" }, h("p", {}, "Loading…"));
  mount(main,
    h("h1", {}, "Fly-tipping return"),
    h("p", { class: "hint" }, "Defra's WasteDataFlow fly-tipping return: every fly-tipping incident reported in the quarter. Incidents missing a required field are not exported until they are recorded."),
    h("div", { class: "field quarter-pick" }, h("label", { for: pickId }, "Quarter"), pick),
    body);
  main.focus();
  let codes = null;
  const load = async () => {
    body.setAttribute("aria-busy", "true");
    try {
      if (!codes) ({ data: codes } = await api("/v1/flytipping/codes"));
      const quarter = pick.value;
      const { data: result } = await api(`/v1/flytipping/return?quarter=${encodeURIComponent(quarter)}`);
      const complete = result.incidents.length - result.incomplete;
      const exportButton = (label, path, name) => {
        const button = h("button", { type: "button" }, label);
        button.addEventListener("click", () => download(`${path}?quarter=${encodeURIComponent(quarter)}`, name).catch((e) => toast(e.message)));
        return button;
      };
      mount(body,
        h("p", { id: "flytipping-summary" },
          `${result.incidents.length} incidents from ${day(result.starts)} to ${day(result.ends)}: ${complete} ready to export, ${result.incomplete} missing a field.`),
        h("h2", {}, "Missing a required field"),
        missingList(result, codes, load),
        h("h2", {}, "Export"),
        h("div", { class: "actions" },
          exportButton("Download incidents (CSV)", "/v1/flytipping/return/incidents.csv", `flytipping-incidents-${quarter}.csv`),
          exportButton("Download aggregate table (CSV)", "/v1/flytipping/return/aggregate.csv", `flytipping-aggregate-${quarter}.csv`)),
        h("p", { class: "hint" }, `The code lists: ${codes.source}`),
        h("h2", {}, "The aggregate table"),
        figures(result, codes));
    } catch (failure) {
      mount(body, h("p", { class: "notice warn", role: "alert" }, `The return could not be loaded: ${failure.message}`));
    } finally {
      body.setAttribute("aria-busy", "false");
    }
  };
  pick.addEventListener("change", load);
  await load();
}
