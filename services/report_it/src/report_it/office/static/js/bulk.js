// One action over the reports selected in the queue (acknowledge, close with a response, merge into one), sent as
// one bulk request with an Idempotency-Key; each report is done or refused on its own, and each result is listed.

import { h } from "/app/js/dom.js";
import { api, CLOSING_STATUSES, newKey, words } from "./office-api.js";

function resultLine(result, item, verb) {
  const name = item ? item.reference : result.report_id;
  if (result.outcome === "refused") {
    const current = result.problem && result.problem.current;
    const why = current
      ? `Changed by someone else meanwhile: it is now ${words(current.status)}, ${words(current.priority)} priority.`
      : (result.problem && (result.problem.detail || result.problem.title)) || `Refused (${result.status}).`;
    return h("li", { "data-result": "refused" }, h("span", { class: "refused" }, `${name}: not ${verb}.`), ` ${why}`);
  }
  const again = result.outcome === "replayed" ? " (already done by an earlier try)" : "";
  return h("li", { "data-result": "done" }, h("span", { class: "done" }, `${name}: ${verb}${again}.`));
}

// ctx: { selectedItems() -> items, templates, done(results) } ; returns the bar's element and refresh().
export function bulkBar(ctx) {
  const heading = h("h3", { id: "bulk-heading" }, "No reports selected");
  const error = h("p", { class: "error-text", role: "alert" });
  const results = h("ul", { class: "results", id: "bulk-results" });
  const closing = ctx.templates.filter((t) => CLOSING_STATUSES.includes(t.status));
  const template = h("select", { id: "bulk-template" }, h("option", { value: "" }, "Choose a response"),
    closing.map((t) => h("option", { value: t.id }, t.category ? `${t.title} (${words(t.category)} only)` : t.title)));
  const original = h("select", { id: "bulk-original" });

  async function send(action, targets, verb) {
    error.textContent = "";
    if (!targets.length) {
      error.textContent = "Select reports first: tick them in the queue, or press x on each.";
      return;
    }
    const body = { action, items: targets.map((item) => ({ report_id: item.id, etag: item.etag })) };
    let data;
    try {
      ({ data } = await api("/v1/triage/bulk", { method: "POST", body, headers: { "Idempotency-Key": newKey() }, timeoutMs: 60000 }));
    } catch (failure) {
      error.textContent = failure.message;
      return;
    }
    const byId = new Map(targets.map((item) => [item.id, item]));
    results.replaceChildren(
      h("li", {}, h("strong", {}, `${verb[0].toUpperCase()}${verb.slice(1)}: ${data.done} done, ${data.refused} refused.`)),
      ...data.results.map((result) => resultLine(result, byId.get(result.report_id), verb)));
    await ctx.done(data.results, `${data.done} ${verb}, ${data.refused} refused.`);
  }

  const acknowledge = h("button", { type: "button", onclick: () => send({ action: "acknowledge" }, ctx.selectedItems(), "acknowledged") }, "Acknowledge selected");
  const close = h("button", {
    type: "button",
    onclick: () => (template.value
      ? send({ action: "close", template_id: template.value }, ctx.selectedItems(), "closed")
      : (error.textContent = "Choose the response to close them with.")),
  }, "Close selected");
  const merge = h("button", {
    type: "button",
    onclick: () => {
      const chosen = ctx.selectedItems();
      if (chosen.length < 2) {
        error.textContent = "Select two or more reports of the same problem to merge them into one.";
        return;
      }
      const others = chosen.filter((item) => item.id !== original.value);
      send({ action: "merge", duplicate_of: original.value }, others, "merged");
    },
  }, "Merge selected into it");

  function refresh() {
    const chosen = ctx.selectedItems();
    heading.textContent = chosen.length ? `${chosen.length} report${chosen.length === 1 ? "" : "s"} selected` : "No reports selected";
    const kept = original.value;
    original.replaceChildren(...chosen.map((item) => h("option", { value: item.id, selected: item.id === kept }, `${item.reference} (${item.category_name})`)));
  }

  const element = h("section", { class: "bulk", "aria-labelledby": "bulk-heading" }, heading,
    h("div", { class: "row" }, acknowledge),
    h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "bulk-template" }, "Response for closing"), template), close),
    h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "bulk-original" }, "Original report (the others become its duplicates)"), original), merge),
    error, results);
  refresh();
  return { element, refresh };
}
