// Admins' routing rules: the rules in the order they are tried (the first that matches a new report decides), moved
// up or down, edited, deleted, a new one added, each with a preview on past reports, and the audit of every change.
// Each change sends the rule's etag as If-Match: a rule another admin changed first is not overwritten.

import { ApiError } from "/app/js/api.js";
import { focusHeading, formatDate, h, mount, toast } from "/app/js/dom.js";
import { api, words } from "./office-api.js";
import { DECISIONS, ruleForm } from "./rule-form.js";

const AUDITED = ["name", "category", "footprint", "ward", "answers", "decision", "priority", "active", "position"];

function shown(value) {
  if (value === null || value === undefined || value === "") return "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${words(k)}: ${words(String(v))}`).join(", ") || "none";
  return words(String(value));
}

function matchText(rule, categories) {
  const category = rule.category ? (categories.find((c) => c.code === rule.category) || { name: rule.category }).name : "Any category";
  const where = [rule.footprint ? `footprint ${rule.footprint}` : null, rule.ward ? `ward ${rule.ward}` : null].filter(Boolean);
  const answers = Object.keys(rule.answers || {}).length ? `, answered ${shown(rule.answers)}` : "";
  return `${category}${answers}, ${where.length ? `in ${where.join(" and ")}` : "anywhere"}`;
}

function thenText(rule) {
  const decision = DECISIONS.find(([d]) => d === rule.decision)[1];
  return rule.priority ? `${decision}, priority ${words(rule.priority)}` : decision;
}

function change(entry) {
  const name = (entry.after || entry.before || {}).name || entry.rule_id;
  const who = entry.actor_name || entry.actor;
  const fields = entry.kind === "updated"
    ? AUDITED.filter((f) => JSON.stringify(entry.before[f]) !== JSON.stringify(entry.after[f]))
      .map((f) => `${words(f)}: ${shown(entry.before[f])} → ${shown(entry.after[f])}`)
    : [];
  return h("li", {}, h("strong", {}, formatDate(entry.at)), ` ${who} ${entry.kind} "${name}"`, fields.length ? `: ${fields.join("; ")}` : ".");
}

export async function renderRules(main) {
  const error = h("p", { class: "error-text", role: "alert", id: "rules-error" });
  const listSlot = h("div", {});
  const formSlot = h("section", { class: "rule-pane", "aria-label": "Write a rule" });
  const audit = h("ul", { class: "audit", id: "rules-audit" });
  let rules = [];
  let categories = [];

  async function refused(failure, what) {
    error.textContent = `${what}: ${failure.message}`;
    await load();
  }

  async function load() {
    const [{ data: current }, { data: trail }] = await Promise.all([
      api("/v1/routing-rules"), api("/v1/routing-rules/audit?limit=50"),
    ]);
    rules = current;
    drawList();
    audit.replaceChildren(...(trail.length ? trail.map(change) : [h("li", {}, "No changes yet.")]));
  }

  // Moves rule `index` by `by` places: the two rules swap positions (each its own audited change).
  async function move(index, by) {
    error.textContent = "";
    const order = [...rules];
    const [moved] = order.splice(index, 1);
    order.splice(index + by, 0, moved);
    // The positions are handed round in the new order (so only the two rules change), unless two rules share one.
    const positions = rules.map((r) => r.position);
    const distinct = new Set(positions).size === positions.length;
    const wanted = order.map((rule, i) => ({ rule, position: distinct ? positions[i] : i * 10 }));
    try {
      for (const { rule, position } of wanted.filter((w) => w.rule.position !== w.position)) {
        await api(`/v1/routing-rules/${rule.id}`, { method: "PATCH", body: { position }, headers: { "If-Match": rule.etag } });
      }
    } catch (failure) {
      return refused(failure, `"${moved.name}" not moved`);
    }
    await load();
    toast(`"${moved.name}" is now number ${index + by + 1}.`);
    const button = listSlot.querySelector(`[data-rule="${moved.id}"] button[data-move="${by}"]:not([disabled])`)
      || listSlot.querySelector(`[data-rule="${moved.id}"] button[data-move]:not([disabled])`);
    if (button) button.focus();
  }

  async function remove(rule) {
    error.textContent = "";
    if (!window.confirm(`Delete the rule "${rule.name}"? New reports will no longer be routed by it.`)) return;
    try {
      await api(`/v1/routing-rules/${rule.id}`, { method: "DELETE", headers: { "If-Match": rule.etag } });
    } catch (failure) {
      return refused(failure, `"${rule.name}" not deleted`);
    }
    await load();
    toast(`"${rule.name}" deleted.`);
    listSlot.querySelector("h2").focus();
  }

  async function preview(rule) {
    const out = listSlot.querySelector(`[data-rule="${rule.id}"] + tr.rule-preview td`);
    try {
      const { data } = await api(`/v1/routing-rules/${rule.id}/preview?days=30`, { timeoutMs: 60000 });
      out.textContent = `Last 30 days: ${data.matched} of ${data.considered} reports would match, ${data.would_acknowledge} acknowledged straight away; ${data.taken_by_earlier_rules} of the matches go to an earlier rule first.`;
      out.parentElement.hidden = false;
    } catch (failure) {
      error.textContent = `No preview: ${failure.message}`;
    }
  }

  function drawList() {
    const rows = rules.flatMap((rule, index) => [
      h("tr", { "data-rule": rule.id, class: rule.active ? "" : "inactive" },
        h("td", {}, String(index + 1)),
        h("th", { scope: "row" }, rule.name),
        h("td", {}, matchText(rule, categories)),
        h("td", {}, thenText(rule)),
        h("td", {}, rule.active ? "Active" : "Off"),
        h("td", { class: "row-actions" },
          h("button", { type: "button", class: "secondary", "data-move": "-1", disabled: index === 0, "aria-label": `Move "${rule.name}" up`, onclick: () => move(index, -1) }, "Up"),
          h("button", { type: "button", class: "secondary", "data-move": "1", disabled: index === rules.length - 1, "aria-label": `Move "${rule.name}" down`, onclick: () => move(index, 1) }, "Down"),
          h("button", { type: "button", class: "secondary", "aria-label": `Preview "${rule.name}"`, onclick: () => preview(rule) }, "Preview"),
          h("button", { type: "button", class: "secondary", "aria-label": `Edit "${rule.name}"`, onclick: () => edit(rule) }, "Edit"),
          h("button", { type: "button", class: "danger", "aria-label": `Delete "${rule.name}"`, onclick: () => remove(rule) }, "Delete"))),
      h("tr", { class: "rule-preview", hidden: true }, h("td", { colspan: "6" })),
    ]);
    mount(listSlot,
      h("h2", { id: "rules-heading", tabindex: "-1" }, "Rules, in the order they are tried"),
      rules.length
        ? h("table", { class: "grid-table", id: "rules-table", "aria-labelledby": "rules-heading" },
          h("thead", {}, h("tr", {}, ["#", "Rule", "Matches", "Then", "State", "Change"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, rows))
        : h("p", {}, "No rules: every new report waits in the triage queue."));
  }

  function edit(rule, notice = null) {
    error.textContent = "";
    formSlot.replaceChildren(ruleForm({
      categories, rule, notice,
      cancel: () => newForm(true),
      save: async (body) => {
        try {
          await api(`/v1/routing-rules/${rule.id}`, { method: "PATCH", body, headers: { "If-Match": rule.etag } });
        } catch (failure) {
          // Changed by another admin meanwhile: the form shows the rule as it now is, to decide again.
          if (failure instanceof ApiError && failure.status === 412 && failure.problem.current) {
            edit(failure.problem.current, `Not saved: ${failure.message}`);
            await load();
            return;
          }
          throw failure;
        }
        await load();
        toast(`"${body.name}" saved.`);
        newForm(false);
        listSlot.querySelector("h2").focus();
      },
    }));
    formSlot.querySelector(notice ? "#rule-error" : "h2").focus();
  }

  function newForm(focus) {
    formSlot.replaceChildren(ruleForm({
      categories, rule: null, cancel: () => {},
      save: async (body) => {
        const { data } = await api("/v1/routing-rules", { method: "POST", body });
        await load();
        toast(`"${data.name}" added as number ${rules.findIndex((r) => r.id === data.id) + 1}.`);
        newForm(false);
        listSlot.querySelector("h2").focus();
      },
    }));
    if (focus) formSlot.querySelector("h2").focus();
  }

  mount(main, h("h1", {}, "Routing rules"),
    h("p", {}, "Each new report is tried against the active rules from the top; the first that matches decides: acknowledge it straight away (it goes to the team) or hold it for triage, and perhaps set its priority. Safeguarding concerns are never routed by rules."),
    error);
  focusHeading(main);
  try {
    ({ data: categories } = await api("/v1/categories"));
    await load();
  } catch (failure) {
    error.textContent = `The rules cannot be shown: ${failure.message}`;
    return;
  }
  main.append(listSlot, formSlot, h("section", { "aria-labelledby": "audit-heading" },
    h("h2", { id: "audit-heading" }, "Changes to the rules, newest first"), audit));
  newForm(false);
}
