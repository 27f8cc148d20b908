// One report opened from the queue: what helps decide (photos, answers, where, nearby, hotspot, history) and the
// actions on it. Every action sends the report's etag as If-Match: a report someone else changed first is not
// overwritten; the officer is shown what changed and the report as it now is, and decides again.

import { ApiError } from "/app/js/api.js";
import { formatDate, h, mount } from "/app/js/dom.js";
import { whereBlock } from "./borough-map.js";
import { api, CLOSING_STATUSES, newKey, PRIORITIES, words } from "./office-api.js";

const COMPARED = [
  ["status", "Status", words],
  ["priority", "Priority", words],
  ["category_name", "Category", (v) => v],
  ["reopened", "Reopened", (v) => (v ? "yes" : "no")],
  ["duplicate_of", "Duplicate of", (v) => v || "none"],
  ["support_count", "Supporters", String],
];

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function answersList(report, category) {
  const entries = Object.entries(report.answers || {});
  if (!entries.length) return h("p", {}, "No answers to the category's questions.");
  const questions = new Map(((category && category.questions) || []).map((q) => [q.code, q]));
  const named = (question, key) => ((question && question.values) || []).find((v) => v.key === key)?.name || words(key);
  return facts(entries.map(([code, value]) => {
    const question = questions.get(code);
    const shown = Array.isArray(value) ? value.map((v) => named(question, v)).join(", ") : named(question, String(value));
    return [question ? question.description : words(code), shown];
  }));
}

function conflictNotice(conflict, now) {
  const changed = COMPARED.filter(([field]) => String(conflict.mine[field]) !== String(now[field]));
  return h("div", { class: "conflict", role: "alert", tabindex: "-1", id: "conflict" },
    h("h3", {}, `Not done: ${now.reference} was changed by someone else first`),
    h("p", {}, `Your action (${conflict.tried}) was not applied, so nobody's change is overwritten. The report below is as it is now; check it and decide again.`),
    changed.length
      ? h("ul", { "aria-label": "What changed" }, changed.map(([field, label, show]) => h("li", {}, `${label}: ${show(conflict.mine[field])} → ${show(now[field])}`)))
      : h("p", {}, "Its history has a new entry (see below)."));
}

function timeline(entries) {
  if (!entries.length) return h("p", {}, "Nothing yet.");
  return h("ol", { class: "timeline" }, entries.map((u) => h("li", {},
    h("strong", {}, formatDate(u.created_at)), " ", u.actor_name || words(u.actor_kind),
    u.status ? ` · ${words(u.status)}` : "",
    u.public_text ? h("div", {}, `To the reporter: ${u.public_text}`) : null,
    u.internal_note ? h("div", {}, `Internal note: ${u.internal_note}`) : null)));
}

function field(id, label, control, hint) {
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), hint ? h("p", { class: "hint" }, hint) : null, control);
}

function options(list, chosen) {
  return list.map(([value, label]) => h("option", { value, selected: value === chosen }, label));
}

// An action form: its fields, its button, its own error line; `build()` makes the action's body or says what is missing.
function actionForm({ title, button, fields = [], build, act }) {
  const error = h("p", { class: "error-text", role: "alert" });
  const form = h("form", { novalidate: true, "aria-label": title }, fields, error,
    h("button", { type: "submit" }, button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const body = build();
    if (typeof body === "string") {
      error.textContent = body;
      return;
    }
    form.querySelector("button[type=submit]").disabled = true;
    try {
      await act(body, title.toLowerCase());
    } catch (failure) {
      error.textContent = failure.message;
      form.querySelector("button[type=submit]").disabled = false;
    }
  });
  return form;
}

function actions(report, ctx, act) {
  const category = ctx.categories.find((c) => c.code === report.category);
  const closing = ctx.templates.filter((t) => CLOSING_STATUSES.includes(t.status) && (!t.category || t.category === report.category));
  const template = h("select", {}, h("option", { value: "" }, "Choose a response"), options(closing.map((t) => [t.id, t.title])));
  const closeText = h("textarea", { rows: 2 });
  const newCategory = h("select", {}, options(ctx.categories.filter((c) => c.restricted === category?.restricted).map((c) => [c.code, c.name]), report.category));
  const priority = h("select", {}, options(PRIORITIES.map((p) => [p, words(p)]), report.priority));
  const original = h("select", {}, h("option", { value: "" }, report.nearby.length ? "Choose the original" : "No open report nearby"),
    options(report.nearby.map((n) => [n.id, `${n.reference} (${words(n.status)}, ${Math.round(n.distance_m)} m away)`])));
  const note = h("textarea", { rows: 2 });
  return h("div", { class: "action-grid" },
    actionForm({
      title: "Acknowledge", button: "Acknowledge: pass to the team",
      fields: h("p", { class: "hint" }, "It leaves the queue and becomes a case in Footprints."),
      build: () => ({ action: "acknowledge" }), act,
    }),
    actionForm({
      title: "Close with a response", button: "Close the report",
      fields: [field("close-template", "Response template", template), field("close-text", "Message to the reporter (optional)", closeText, "Leave empty to send the template's text.")],
      build: () => (template.value ? { action: "close", template_id: template.value, ...(closeText.value.trim() ? { public_text: closeText.value.trim() } : {}) } : "Choose a response template."),
      act,
    }),
    actionForm({
      title: "Recategorise", button: "Recategorise",
      fields: field("new-category", "New category", newCategory),
      build: () => (newCategory.value === report.category ? "Choose another category." : { action: "recategorise", category: newCategory.value }),
      act,
    }),
    actionForm({
      title: "Set priority", button: "Set priority",
      fields: field("new-priority", "New priority", priority),
      build: () => (priority.value === report.priority ? "Choose another priority." : { action: "set_priority", priority: priority.value }),
      act,
    }),
    actionForm({
      title: "Merge as duplicate", button: "Merge as duplicate",
      fields: field("merge-original", "Duplicate of", original),
      build: () => (original.value ? { action: "merge", duplicate_of: original.value } : "Choose the report this one repeats."),
      act,
    }),
    actionForm({
      title: "Internal note", button: "Add the note",
      fields: field("note-text", "Note (staff only)", note),
      build: () => (note.value.trim() ? { action: "note", internal_note: note.value.trim() } : "Write the note first."),
      act,
    }));
}

// Show report `id` in `pane`; ctx: { categories, templates, changed(item, said), openReport(id), seen(report) }.
// `wanted()`: false once another report was asked for meanwhile, whose answer may come first; this one then stays off.
export async function renderDetail(pane, id, ctx, { conflict = null, wanted = () => true } = {}) {
  let report;
  try {
    ({ data: report } = await api(`/v1/triage/reports/${id}`));
    if (!wanted()) return null;
  } catch (failure) {
    if (!wanted()) return null;
    mount(pane, h("h2", { tabindex: "-1" }, "This report cannot be shown"), h("p", { role: "alert" }, failure.message));
    return null;
  }
  ctx.seen(report);
  const category = ctx.categories.find((c) => c.code === report.category);

  async function act(body, label) {
    try {
      const { data } = await api(`/v1/triage/reports/${report.id}/actions`, {
        method: "POST", body, headers: { "If-Match": report.etag, "Idempotency-Key": newKey() },
      });
      await ctx.changed(data, `${report.reference}: ${label} done.`);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 412) {
        await renderDetail(pane, report.id, ctx, { conflict: { mine: report, tried: label }, wanted });
        return;
      }
      throw failure;
    }
  }

  const heading = h("h2", { id: "detail-heading", tabindex: "-1" }, `${report.reference}: ${report.category_name}`);
  mount(pane,
    conflict ? conflictNotice(conflict, report) : null,
    heading,
    facts([
      ["Status", words(report.status) + (report.reopened ? " (reopened)" : "")],
      ["Priority", words(report.priority)],
      ["Waiting since", formatDate(report.waiting_since)],
      ["Reported", formatDate(report.created_at)],
      ["Due", report.expected_at ? formatDate(report.expected_at) + (report.overdue ? " (overdue)" : "") : null],
      ["Ward", report.ward], ["Footprint", report.footprint], ["Supporters", String(report.support_count)],
    ]),
    h("h3", {}, "Description"), h("p", {}, report.description || "No description."),
    h("h3", {}, "Answers"), answersList(report, category),
    h("h3", {}, "Photos"),
    report.photos.length
      ? h("ul", { class: "thumbs" }, report.photos.map((p, i) => h("li", {}, h("a", { href: p.url, target: "_blank", rel: "noopener" },
        h("img", { src: p.thumbnail_url, alt: `Photo ${i + 1} of ${report.reference} (opens full size in a new tab)` })))))
      : h("p", {}, "No photo."),
    h("h3", {}, "Where"), whereBlock(report),
    h("h3", {}, "Open reports nearby"),
    report.nearby.length
      ? h("ul", { id: "nearby" }, report.nearby.map((n) => h("li", {},
        h("button", { type: "button", class: "secondary", onclick: () => ctx.openReport(n.id) }, `Open ${n.reference}`),
        ` ${words(n.status)}, ${Math.round(n.distance_m)} m away, reported ${formatDate(n.created_at)}`)))
      : h("p", {}, "None within the category's distance."),
    h("h3", {}, "Hotspot"),
    report.hotspot
      ? h("p", { id: "hotspot" }, `Part of a hotspot of ${report.hotspot.report_count} open reports within ${Math.round(report.hotspot.radius_m)} m, from ${formatDate(report.hotspot.first_reported_at)} to ${formatDate(report.hotspot.last_reported_at)}.`)
      : h("p", { id: "hotspot" }, "Not part of a hotspot."),
    h("h3", {}, "Actions"), actions(report, ctx, act),
    h("h3", {}, "History"), timeline(report.timeline),
  );
  (conflict ? pane.querySelector("#conflict") : heading).focus();
  return report;
}
