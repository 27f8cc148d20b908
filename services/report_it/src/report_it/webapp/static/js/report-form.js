// The report screen: photo, place, category and its questions, description, optional contact; nearby reports
// of the same kind first ("add your support"); sending always goes through the outbox.

import { loadCategories, loadConfig, request, staffSession } from "./api.js";
import { focusHeading, h, mount, toast, uid } from "./dom.js";
import { locationPicker } from "./location.js";
import { enqueue, flush } from "./outbox.js";
import { downscale } from "./photo.js";
import { questionField, readAnswers } from "./questions.js";

const MAX_PHOTOS = 6;

function categorySelect(categories, id) {
  const groups = new Map();
  for (const category of categories.filter((c) => c.active !== false)) {
    if (!groups.has(category.group)) groups.set(category.group, []);
    groups.get(category.group).push(category);
  }
  return h(
    "select",
    { id, name: "category", required: true },
    h("option", { value: "" }, "Choose what it is"),
    [...groups].map(([group, items]) =>
      h("optgroup", { label: group }, items.map((c) => h("option", { value: c.code }, c.staff_only ? `${c.name} (staff only)` : c.name))),
    ),
  );
}

function photoPicker(photos) {
  const id = uid("photo");
  const list = h("ul", { class: "thumbs", "aria-label": "Photos added" });
  const note = h("p", { class: "hint", "aria-live": "polite" });
  const input = h("input", { type: "file", id, accept: "image/*", multiple: true });
  const render = () => {
    mount(
      list,
      photos.map((photo, index) =>
        h("li", {},
          h("img", { src: photo.url, alt: `Photo ${index + 1}` }),
          h("button", {
            type: "button",
            class: "danger",
            onclick: () => {
              URL.revokeObjectURL(photo.url);
              photos.splice(index, 1);
              render();
            },
          }, h("span", { class: "visually-hidden" }, `Remove photo ${index + 1}`), h("span", { "aria-hidden": "true" }, "Remove"))),
      ),
    );
  };
  input.addEventListener("change", async () => {
    const files = [...input.files].slice(0, MAX_PHOTOS - photos.length);
    note.textContent = "Preparing the photo…";
    for (const file of files) {
      try {
        const shrunk = await downscale(file);
        photos.push({ ...shrunk, url: URL.createObjectURL(shrunk.blob) });
      } catch (error) {
        note.textContent = error.message;
        return;
      }
    }
    input.value = "";
    note.textContent = photos.length ? `${photos.length} photo${photos.length > 1 ? "s" : ""} ready.` : "";
    render();
  });
  return h(
    "div",
    { class: "field photo-pick" },
    h("h2", {}, "Photo"),
    input,
    h("label", { for: id, class: "btn big" }, "Take or choose a photo"),
    note,
    list,
  );
}

function nearbyList(config, token, onSupport) {
  const box = h("section", { "aria-labelledby": "nearby-h", hidden: true });
  let last = "";
  async function refresh(category, position) {
    if (!category || !position || !navigator.onLine) {
      box.hidden = true;
      return;
    }
    const key = `${category.code}|${position.lat.toFixed(4)}|${position.long.toFixed(4)}`;
    if (key === last) return;
    last = key;
    try {
      const query = new URLSearchParams({ category: category.code, lat: position.lat, long: position.long });
      const { data } = await request(`/v1/reports/nearby?${query}`, { token, timeoutMs: 8000 });
      if (!data.length) {
        box.hidden = true;
        return;
      }
      mount(
        box,
        h("h2", { id: "nearby-h" }, "Already reported nearby?"),
        h("p", {}, "If one of these is your problem, you can add your support instead of a new report."),
        h("ul", { class: "cards" },
          data.slice(0, 5).map((report) =>
            h("li", { class: "card" },
              h("h3", {}, `${report.category_name} · ${Math.round(report.distance_m)} m away`),
              report.description ? h("p", {}, report.description) : null,
              h("p", { class: "hint" }, `Reference ${report.reference}; ${report.support_count} ${report.support_count === 1 ? "person has" : "people have"} added support.`),
              config.api && config.api.support
                ? h("button", { type: "button", class: "secondary", onclick: () => onSupport(report) },
                    `Add your support to ${report.reference}`)
                : null))),
      );
      box.hidden = false;
    } catch {
      box.hidden = true;
    }
  }
  return { element: box, refresh };
}

export async function renderReportForm(main, { staff = false, navigate }) {
  const config = await loadConfig();
  const session = staff ? await staffSession() : null;
  if (staff && (!session || session.expired)) {
    navigate("#/staff");
    return;
  }
  const token = session ? session.token : undefined;
  let categories;
  try {
    categories = await loadCategories(token);
  } catch {
    mount(main, h("h1", {}, "Report a problem"),
      h("p", { class: "notice warn" }, "The list of problems could not be loaded. Connect once to the internet, then this works offline."));
    focusHeading(main);
    return;
  }
  const photos = [];
  const ids = { category: uid("category"), description: uid("description"), name: uid("name"), email: uid("email"), phone: uid("phone"), updates: uid("updates") };
  const select = categorySelect(categories, ids.category);
  const questionsBox = h("div", { "aria-live": "polite" });
  const summary = h("div", { class: "summary", tabindex: "-1", hidden: true, role: "alert" });
  let chosen = null;

  const nearby = nearbyList(config, token, async (report) => {
    const path = config.api.support.replace("{report_id}", report.id);
    await enqueue({ kind: "support", label: `Support for ${report.reference}`, path, json: {}, staff: Boolean(token) });
    flush().catch(() => {});
    toast(`Your support for ${report.reference} is saved and will be sent.`);
    navigate("#/mine");
  });
  const where = locationPicker({ config, onChange: (position) => nearby.refresh(chosen, position) });

  select.addEventListener("change", () => {
    chosen = categories.find((c) => c.code === select.value) || null;
    const questions = chosen ? [...(chosen.questions || [])].sort((a, b) => a.order - b.order) : [];
    mount(questionsBox, chosen && chosen.description ? h("p", { class: "hint" }, chosen.description) : null, questions.map(questionField));
    nearby.refresh(chosen, where.position());
  });

  const description = h("textarea", { id: ids.description, maxlength: "4000", "aria-describedby": `${ids.description}-hint` });
  const contact = staff
    ? null
    : h(
        "details",
        {},
        h("summary", {}, "Your contact details (optional)"),
        h("p", { class: "hint" }, "Only council staff see these. Leave them empty to report anonymously."),
        h("div", { class: "field" }, h("label", { for: ids.name }, "Name"), h("input", { id: ids.name, type: "text", autocomplete: "name" })),
        h("div", { class: "field" }, h("label", { for: ids.email }, "Email"), h("input", { id: ids.email, type: "email", autocomplete: "email" })),
        h("div", { class: "field" }, h("label", { for: ids.phone }, "Phone"), h("input", { id: ids.phone, type: "tel", autocomplete: "tel" })),
        h("div", { class: "choice" }, h("input", { id: ids.updates, type: "checkbox", checked: true }), h("label", { for: ids.updates }, "Email me when it changes")),
      );

  const form = h(
    "form",
    { novalidate: true },
    summary,
    photoPicker(photos),
    h("h2", {}, "Place"),
    where.element,
    h("h2", {}, "What is it?"),
    h("div", { class: "field", "data-field": "category" }, h("label", { for: ids.category }, "Problem"), select),
    questionsBox,
    nearby.element,
    h("div", { class: "field" },
      h("label", { for: ids.description }, "Description (optional)"),
      h("p", { class: "hint", id: `${ids.description}-hint` }, "Anything that helps us find or deal with it."),
      description),
    contact,
    h("button", { type: "submit", class: "btn big" }, staff ? "Log the issue" : "Send report"),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = [];
    const position = where.position();
    if (!position) problems.push({ text: "Set where the problem is", target: where.element.querySelector("button") });
    if (!chosen) problems.push({ text: "Choose what the problem is", target: select });
    const { answers, missing } = chosen ? readAnswers(questionsBox, chosen.questions || []) : { answers: {}, missing: [] };
    for (const { question, field } of missing) problems.push({ text: `Answer: ${question.description}`, target: field.querySelector("input, textarea") });
    if (problems.length) {
      mount(summary,
        h("h2", {}, "There is a problem"),
        h("ul", {}, problems.map((p) => h("li", {}, h("a", { href: "#", onclick: (e) => { e.preventDefault(); p.target && p.target.focus(); } }, p.text)))));
      summary.hidden = false;
      summary.focus();
      return;
    }
    summary.hidden = true;
    // One tap, one report: a second tap while this one is being saved must not queue a copy.
    form.querySelector("button[type=submit]").disabled = true;
    const report = { category: chosen.code, location: position, answers, channel: staff ? "staff" : "app" };
    const text = description.value.trim();
    if (text) report.description = text;
    if (contact) {
      const name = document.getElementById(ids.name).value.trim();
      const email = document.getElementById(ids.email).value.trim();
      const phone = document.getElementById(ids.phone).value.trim();
      if (name || email || phone) {
        report.reporter = { wants_updates: document.getElementById(ids.updates).checked };
        if (name) report.reporter.name = name;
        if (email) report.reporter.email = email;
        if (phone) report.reporter.phone = phone;
      }
    }
    const item = await enqueue({
      kind: "report",
      label: chosen.name,
      path: "/v1/reports",
      json: report,
      photos: photos.map((p) => p.blob),
      staff,
    });
    photos.forEach((p) => URL.revokeObjectURL(p.url));
    toast(navigator.onLine ? "Sending your report…" : "Saved on this phone. It will be sent when you are back online.");
    navigate(`#/mine?sent=${item.key}`);
    flush().catch(() => {});
  });

  mount(
    main,
    h("h1", {}, staff ? "Log a street issue" : "Report a problem"),
    h("p", { class: "lede" }, staff
      ? "Log what you see on the job, including staff-only concerns. It is saved on this phone first, so it is never lost."
      : "A photo, the place and what it is. It is saved on this phone first, so it is sent even if the signal drops."),
    form,
  );
  where.start();
  focusHeading(main);
}
