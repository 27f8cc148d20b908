// The queue's filters (queue kind for the safeguarding role, category, priority, footprint, ward, order), and
// whether a report fits them, for reports that change or arrive while the list is on screen.

import { h } from "/app/js/dom.js";
import { PRIORITIES, words } from "./office-api.js";

export function filterForm(state, categories, reload) {
  const canSafeguard = state.session.roles.includes("safeguarding");
  const select = (id, label, choices, value) => h("div", { class: "field" }, h("label", { for: id }, label),
    h("select", { id, name: id }, choices.map(([v, text]) => h("option", { value: v, selected: v === value }, text))));
  const text = (id, label, value) => h("div", { class: "field" }, h("label", { for: id }, label),
    h("input", { type: "text", id, name: id, value: value || "", autocomplete: "off", spellcheck: "false" }));
  const general = categories.filter((c) => c.restricted === (state.filters.queue === "safeguarding"));
  const form = h("form", { class: "filters", "aria-label": "Filter the queue", novalidate: true },
    canSafeguard ? select("f-queue", "Queue", [["general", "General"], ["safeguarding", "Safeguarding concerns"]], state.filters.queue) : null,
    select("f-category", "Category", [["", "All categories"], ...general.map((c) => [c.code, c.name])], state.filters.category),
    select("f-priority", "Priority", [["", "Any priority"], ...PRIORITIES.map((p) => [p, words(p)])], state.filters.priority),
    text("f-footprint", "Footprint code", state.filters.footprint),
    text("f-ward", "Ward code", state.filters.ward),
    select("f-order", "Order", [["oldest", "Oldest first"], ["newest", "Newest first"]], state.filters.order),
  );
  const read = () => {
    const value = (id) => (form.querySelector(`#${id}`) ? form.querySelector(`#${id}`).value.trim() : "");
    const queue = value("f-queue") || "general";
    const changedQueue = queue !== state.filters.queue;
    state.filters = {
      queue, category: changedQueue ? "" : value("f-category"), priority: value("f-priority"),
      footprint: value("f-footprint"), ward: value("f-ward"), order: value("f-order") || "oldest",
    };
    reload({ rebuildFilters: changedQueue });
  };
  form.addEventListener("change", read);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    read();
  });
  return form;
}

// Whether a report belongs in the list as filtered (the queue kind aside, which the server decides).
export function fits(item, filters) {
  return (!filters.category || item.category === filters.category)
    && (!filters.priority || item.priority === filters.priority)
    && (!filters.footprint || item.footprint === filters.footprint)
    && (!filters.ward || item.ward === filters.ward);
}

export function matches(item, filters) {
  return filters.queue === "general" && fits(item, filters);
}
