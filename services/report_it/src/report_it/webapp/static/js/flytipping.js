// The Defra fields an officer records on completing a fly-tipping case: land type, waste type, size, clearance cost
// band and enforcement action, as large choices (gloves), pre-filled from what the report's answers suggest (or what
// was recorded before). The code lists and the suggestion are kept on the phone, so the form works offline; what is
// chosen goes through the outbox like the status change beside it.

import { h, uid } from "./dom.js";
import { fetchKept } from "./kept.js";

export const FLY_TIPPING = "fly_tipping";
// The statuses that complete a case and leave an incident in Defra's return.
export const COMPLETING = ["fixed", "no_further_action"];

const FIELDS = [
  ["land_type", "land_types", "Land type"],
  ["waste_type", "waste_types", "Main waste type"],
  ["size", "sizes", "Size"],
  ["cost_band", "cost_bands", "Clearance cost band"],
  ["enforcement_action", "enforcement_actions", "Enforcement action"],
];

function group(field, list, legend, chosen) {
  const name = uid(`defra-${field}`);
  return h("fieldset", { class: "field defra-field", "data-defra": field },
    h("legend", {}, legend),
    list.map((item, index) => {
      const id = `${name}-${index}`;
      return h("div", { class: "choice" },
        h("input", { type: "radio", id, name, value: item.code, checked: item.code === chosen }),
        h("label", { for: id }, item.name));
    }));
}

// Resolves to null where the lists were never kept on this phone and there is no connection to fetch them.
export async function defraForm(reportId, token) {
  let codes;
  try {
    ({ data: codes } = await fetchKept("flytipping:codes", "/v1/flytipping/codes", token));
  } catch {
    return null;
  }
  const known = await fetchKept(`flytipping:${reportId}`, `/v1/flytipping/incidents/${reportId}`, token)
    .then((k) => k.data)
    .catch(() => ({}));
  const groups = Object.fromEntries(FIELDS.map(([field, key, legend]) => [field, group(field, codes[key], legend, known[field])]));
  const checked = (field) => groups[field].querySelector("input:checked");
  // The cost band follows the size, until the officer chooses a band of their own.
  let bandChosen = Boolean(known.recorded);
  groups.cost_band.addEventListener("change", () => { bandChosen = true; });
  groups.size.addEventListener("change", () => {
    const band = codes.size_cost_bands[checked("size").value];
    const input = band && !bandChosen && groups.cost_band.querySelector(`input[value="${band}"]`);
    if (input) input.checked = true;
  });
  const error = h("p", { class: "error-text", role: "alert" });
  for (const fieldset of Object.values(groups)) {
    fieldset.addEventListener("change", () => fieldset.classList.remove("has-error"));
  }
  const element = h("section", { id: "defra-form", "aria-labelledby": "defra-heading", hidden: true },
    h("h3", { id: "defra-heading" }, "Defra fly-tipping return"),
    h("p", { class: "hint" }, known.recorded
      ? "As recorded before; change anything that is not right."
      : "Suggested from the report; check each one."),
    error,
    FIELDS.map(([field]) => groups[field]));
  return {
    element,
    // The chosen codes, or null after marking what is missing.
    read() {
      const values = {};
      const missing = [];
      for (const [field, , legend] of FIELDS) {
        const input = checked(field);
        groups[field].classList.toggle("has-error", !input);
        if (input) values[field] = input.value;
        else missing.push(legend.toLowerCase());
      }
      if (!missing.length) {
        error.textContent = "";
        return values;
      }
      error.textContent = `Choose the ${missing.join(", ")}.`;
      const first = element.querySelector(".has-error input");
      if (first) first.focus();
      return null;
    },
  };
}

// Shown while the new status chosen (by hand or by a template) completes the case.
export function showWhenCompleting(form, status, defra) {
  const update = () => { defra.element.hidden = !COMPLETING.includes(status.value); };
  form.addEventListener("change", update);
  update();
}

export function queueDefra(enqueue, report, values) {
  return enqueue({
    kind: "flytipping",
    label: `Defra return: ${report.reference}`,
    method: "PUT",
    path: `/v1/flytipping/incidents/${report.id}`,
    json: values,
    staff: true,
    meta: { report_id: report.id },
  });
}
