// One routing rule being written or edited: what it matches (category and its answers, footprint, ward), what it
// does (acknowledge straight away or hold for triage, a priority), and a preview of what it would have done to the
// reports of the last weeks before anything is saved.

import { formatDate, h } from "/app/js/dom.js";
import { api, PRIORITIES, words } from "./office-api.js";

export const DECISIONS = [["hold", "Hold for triage"], ["acknowledge", "Acknowledge straight away"]];

function field(id, label, control, hint) {
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null, control);
}

function options(list, chosen) {
  return list.map(([value, label]) => h("option", { value, selected: value === chosen }, label));
}

function previewReport(preview, days) {
  const changes = Object.entries(preview.priority_changes)
    .map(([change, n]) => `${n} from ${change.split("->").map(words).join(" to ")}`);
  return [
    h("p", { id: "preview-summary" },
      `Over the last ${days} days (since ${formatDate(preview.since)}), ${preview.considered} report${preview.considered === 1 ? "" : "s"} considered: `,
      h("strong", {}, `${preview.matched} would match`), `; ${preview.would_acknowledge} would be acknowledged straight away; `,
      changes.length ? `priority changed for ${changes.join(", ")}` : "no priority would change",
      `; ${preview.taken_by_earlier_rules} of the matches would go to an earlier rule first.`),
    preview.examples.length
      ? h("table", { class: "grid-table", id: "preview-examples" },
        h("caption", {}, "Examples of the reports it would have matched"),
        h("thead", {}, h("tr", {}, ["Report", "Reported", "Priority", "Decision", "Taken first by"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, preview.examples.map((e) => h("tr", {},
          h("td", {}, e.reference), h("td", {}, formatDate(e.created_at)),
          h("td", {}, e.priority_was === e.priority_after ? words(e.priority_was) : `${words(e.priority_was)} → ${words(e.priority_after)}`),
          h("td", {}, DECISIONS.find(([d]) => d === e.decision)[1]),
          h("td", {}, e.earlier_rule || "—")))))
      : null,
  ];
}

// ctx: { categories, rule (null: a new one), notice (a refusal to show at once), save(body) -> Promise, cancel() }.
export function ruleForm(ctx) {
  const rule = ctx.rule;
  const routable = ctx.categories.filter((c) => !c.restricted);
  const name = h("input", { type: "text", autocomplete: "off", value: rule ? rule.name : "", required: true });
  const category = h("select", {}, options([["", "Any category"], ...routable.map((c) => [c.code, c.name])], rule ? rule.category || "" : ""));
  const footprint = h("input", { type: "text", autocomplete: "off", spellcheck: "false", value: rule ? rule.footprint || "" : "" });
  const ward = h("input", { type: "text", autocomplete: "off", spellcheck: "false", value: rule ? rule.ward || "" : "" });
  const answers = h("div", { id: "rule-answers" });
  const priority = h("select", {}, options([["", "Leave as reported"], ...PRIORITIES.map((p) => [p, words(p)])], rule ? rule.priority || "" : ""));
  const decision = h("fieldset", { class: "choices" }, h("legend", {}, "Then"),
    DECISIONS.map(([value, label]) => h("label", { class: "choice" },
      h("input", { type: "radio", name: "rule-decision", value, checked: (rule ? rule.decision : "hold") === value }), ` ${label}`)));
  const active = h("input", { type: "checkbox", id: "rule-active", checked: rule ? rule.active : true });
  const days = h("select", {}, options([["7", "7 days"], ["30", "30 days (last month)"], ["90", "90 days"]], "30"));
  const error = h("p", { class: "error-text", role: "alert", id: "rule-error", tabindex: "-1" }, ctx.notice || "");
  const previewOut = h("div", { id: "rule-preview", "aria-live": "polite" });

  // The chosen category's questions with fixed answers: a rule may ask for one answer to each.
  function drawAnswers(given) {
    const chosen = routable.find((c) => c.code === category.value);
    const questions = ((chosen && chosen.questions) || []).filter((q) => (q.values || []).length);
    answers.replaceChildren(...questions.map((q) => field(`rule-answer-${q.code}`, q.description,
      h("select", { "data-question": q.code }, options([["", "Any answer"], ...q.values.map((v) => [v.key, v.name])], given[q.code] || "")))));
  }
  drawAnswers(rule ? rule.answers : {});
  category.addEventListener("change", () => drawAnswers({}));

  function fields() {
    const chosenAnswers = {};
    for (const select of answers.querySelectorAll("select")) if (select.value) chosenAnswers[select.dataset.question] = select.value;
    return {
      name: name.value.trim(),
      category: category.value || null,
      footprint: footprint.value.trim() || null,
      ward: ward.value.trim() || null,
      answers: chosenAnswers,
      decision: decision.querySelector("input:checked").value,
      priority: priority.value || null,
      active: active.checked,
    };
  }

  const preview = h("button", { type: "button", class: "secondary" }, "Preview on past reports");
  preview.addEventListener("click", async () => {
    error.textContent = "";
    previewOut.replaceChildren(h("p", {}, "Working it out…"));
    const body = { rule: fields(), days: Number(days.value), ...(rule ? { replacing: rule.id } : {}) };
    try {
      const { data } = await api("/v1/routing-rules/preview", { method: "POST", body, timeoutMs: 60000 });
      previewOut.replaceChildren(...previewReport(data, body.days));
    } catch (failure) {
      previewOut.replaceChildren();
      error.textContent = `No preview: ${failure.message}`;
    }
  });

  const form = h("form", { novalidate: true, "aria-labelledby": "rule-form-heading", class: "rule-form" },
    h("h2", { id: "rule-form-heading", tabindex: "-1" }, rule ? `Edit the rule "${rule.name}"` : "A new rule"),
    field("rule-name", "Name", name, "Say what it is for, e.g. Needles near children are urgent."),
    h("div", { class: "row3" },
      field("rule-category", "Category", category),
      field("rule-footprint", "Footprint code", footprint, "Empty: any footprint."),
      field("rule-ward", "Ward code", ward, "Empty: any ward.")),
    answers,
    h("div", { class: "row3" }, decision, field("rule-priority", "Set the priority", priority),
      h("div", { class: "field" }, h("label", { class: "choice" }, active, " Active: applies to new reports"))),
    error,
    h("div", { class: "row" }, h("button", { type: "submit" }, rule ? "Save the rule" : "Add the rule"),
      rule ? h("button", { type: "button", class: "secondary", onclick: ctx.cancel }, "Cancel") : null),
    h("h3", {}, "Preview"),
    h("div", { class: "row" }, field("rule-days", "Look back over", days), preview),
    previewOut);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const body = fields();
    if (!body.name) {
      error.textContent = "Give the rule a name.";
      name.focus();
      return;
    }
    form.querySelector("button[type=submit]").disabled = true;
    try {
      await ctx.save(body);
    } catch (failure) {
      error.textContent = `Not saved: ${failure.message}`;
      form.querySelector("button[type=submit]").disabled = false;
    }
  });
  return form;
}
