// A category's questions (Open311 attributes) as form fields, and reading the answers back.

import { h, uid } from "./dom.js";

export function questionField(question) {
  const id = uid(`q-${question.code}`);
  const required = question.required;
  const title = `${question.description}${required ? "" : " (optional)"}`;
  const hint = question.datatype_description ? h("p", { class: "hint", id: `${id}-hint` }, question.datatype_description) : null;
  const described = hint ? `${id}-hint` : undefined;
  const wrap = (...children) => h("div", { class: "field", "data-question": question.code }, ...children);
  if (question.datatype === "singlevaluelist" || question.datatype === "multivaluelist") {
    const multiple = question.datatype === "multivaluelist";
    return h(
      "fieldset",
      { class: "field", "data-question": question.code, "aria-describedby": described },
      h("legend", {}, title),
      hint,
      question.values.map((value, index) => {
        const optionId = `${id}-${index}`;
        return h(
          "div",
          { class: "choice" },
          h("input", { type: multiple ? "checkbox" : "radio", id: optionId, name: id, value: value.key }),
          h("label", { for: optionId }, value.name),
        );
      }),
    );
  }
  const label = h("label", { for: id }, title);
  if (question.datatype === "text") return wrap(label, hint, h("textarea", { id, "aria-describedby": described }));
  const type = { number: "number", datetime: "datetime-local" }[question.datatype] || "text";
  const extra = type === "number" ? { inputmode: "decimal", step: "any" } : {};
  return wrap(label, hint, h("input", { id, type, "aria-describedby": described, ...extra }));
}

export function readAnswers(container, questions) {
  const answers = {};
  const missing = [];
  for (const question of questions) {
    const field = container.querySelector(`[data-question="${question.code}"]`);
    if (!field) continue;
    let value;
    if (question.datatype === "singlevaluelist") value = field.querySelector("input:checked")?.value;
    else if (question.datatype === "multivaluelist") value = [...field.querySelectorAll("input:checked")].map((i) => i.value);
    else {
      const raw = field.querySelector("input, textarea").value.trim();
      if (raw && question.datatype === "number") value = Number(raw);
      else if (raw && question.datatype === "datetime") value = new Date(raw).toISOString();
      else value = raw;
    }
    const empty = value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
    if (empty) {
      if (question.required) missing.push({ question, field });
      continue;
    }
    answers[question.code] = value;
  }
  return { answers, missing };
}
