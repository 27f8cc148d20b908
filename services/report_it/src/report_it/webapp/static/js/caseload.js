// Staff work: their own caseload and their team's as allocated by Footprints (or, where Footprints does not know
// them, a team's open reports from Report IT), as a list sorted by due date or distance and on a map, kept for
// offline use; one case with its report, photos and history, and a change of state with a template text and a
// photo of the result. Changes go through the outbox; one refused because someone else changed the case meanwhile
// is shown as such.

import { ApiError, isNetworkFailure, loadCategories, loadConfig, request } from "./api.js";
import { caseMap } from "./case-map.js";
import { get, put, SETTINGS } from "./db.js";
import { focusHeading, formatDate, h, mount, toast, uid } from "./dom.js";
import { distanceText, here, metres } from "./geo.js";
import { defraForm, FLY_TIPPING, queueDefra, showWhenCompleting } from "./flytipping.js";
import { fetchKept, requireSession } from "./kept.js";
import { enqueue, flush, pending } from "./outbox.js";
import { downscale } from "./photo.js";

const WORK_STATUSES = [
  ["in_progress", "Being dealt with"],
  ["action_scheduled", "Action scheduled"],
  ["fixed", "Fixed"],
  ["no_further_action", "No further action"],
  ["unable_to_locate", "Could not be found"],
  ["not_council_responsibility", "Not the council's to fix"],
];

const words = (code) => code.replace(/_/g, " ");

// Footprints' caseload cases and Report IT's team reports, in one shape for the list and the map.
function fromFootprints(caseload, { showWorker }) {
  return caseload.cases.map((c) => ({
    reportId: c.source_system === "report_it" ? c.source_id : null,
    title: c.title,
    due: c.due_at,
    location: c.location,
    worker: showWorker ? (c.worker ? c.worker.display_name : null) : undefined,
    description: null,
  }));
}

function fromReportIt(reports) {
  return reports.map((r) => ({
    reportId: r.id,
    title: `${r.category_name} · ${r.reference}`,
    due: r.expected_at,
    location: r.location,
    worker: undefined,
    description: r.description,
  }));
}

async function myTeamCaseload(footprints, session) {
  const { data: workers } = await request(`${footprints}/v1/workers`, { token: session.token, timeoutMs: 10000 });
  const me = workers.find((w) => w.subject === session.subject);
  if (!me) throw new ApiError(404, { code: "WorkerNotFound", detail: "Footprints has no worker record for you." });
  const { data } = await request(`${footprints}/v1/caseloads/teams/${me.team_id}`, { token: session.token, timeoutMs: 10000 });
  return data;
}

// The views on offer: Footprints' "mine" and "my team" where it is configured, then each team's open reports.
function viewsFor(config, skills) {
  const footprints = config.services && config.services.footprints;
  const views = footprints ? [["mine", "My cases"], ["team", "My team's cases"]] : [];
  if (config.api && config.api.team_reports) {
    for (const skill of skills) views.push([`skill:${skill}`, `All open ${words(skill)} reports`]);
  }
  return views;
}

async function loadView(view, config, session) {
  const footprints = config.services && config.services.footprints;
  if (view === "mine") {
    const kept = await fetchKept(`caseload:mine:${session.subject}`, `${footprints}/v1/caseloads/me`, session.token);
    return { ...kept, cases: fromFootprints(kept.data, { showWorker: false }), summary: kept.data };
  }
  if (view === "team") {
    const kept = await fetchKept(`caseload:team:${session.subject}`, () => myTeamCaseload(footprints, session));
    return { ...kept, cases: fromFootprints(kept.data, { showWorker: true }), summary: kept.data };
  }
  const skill = view.slice("skill:".length);
  const query = new URLSearchParams({ team: skill });
  const kept = await fetchKept(`caseload:${skill}`, `${config.api.team_reports}?${query}`, session.token);
  return { ...kept, cases: fromReportIt(kept.data), summary: null };
}

function caseCard(item, waiting) {
  const overdue = item.due && new Date(item.due) < new Date();
  const who = item.worker === undefined ? null : item.worker ? `With ${item.worker}` : "Waiting for allocation";
  return h("li", { class: "card", "data-case": item.reportId || "" },
    h("h3", {}, item.reportId ? h("a", { href: `#/staff/case?id=${item.reportId}` }, item.title) : item.title),
    h("p", {}, `${overdue ? "Overdue: was due" : "Due"} ${formatDate(item.due) || "—"}`,
      item.distance !== null ? `; ${distanceText(item.distance)} away` : ""),
    who ? h("p", { class: "hint" }, who) : null,
    item.description ? h("p", { class: "hint" }, item.description) : null,
    waiting.has(item.reportId) ? h("p", {}, h("span", { class: "status waiting" }, "Change waiting to send")) : null);
}

export async function renderCaseload(main, { navigate }) {
  const session = await requireSession(navigate);
  if (!session) return;
  const config = await loadConfig();
  const categories = config.api && config.api.team_reports ? await loadCategories(session.token).catch(() => []) : [];
  const skills = [...new Set(categories.map((c) => c.skill))].sort();
  const views = viewsFor(config, skills);
  if (!views.length) {
    mount(main, h("h1", {}, "Caseload"), h("p", { class: "notice" }, "This server does not offer caseloads yet."));
    return focusHeading(main);
  }
  const fallback = `skill:${skills.includes(session.department) ? session.department : skills[0]}`;
  const saved = await get(SETTINGS, "caseload-view");
  const chosen = views.some(([v]) => v === saved) ? saved : views[0][0];
  const ids = { view: uid("view"), sort: uid("sort") };
  const viewSelect = h("select", { id: ids.view }, views.map(([value, label]) => h("option", { value, selected: value === chosen }, label)));
  const sortSelect = h("select", { id: ids.sort },
    h("option", { value: "due" }, "Due date"), h("option", { value: "distance" }, "Distance from me"));
  const note = h("div");
  const list = h("div", { "aria-live": "polite" }, h("p", {}, "Loading…"));
  const map = caseMap(config, { onOpen: (id) => navigate(`#/staff/case?id=${id}`) });
  mount(
    main,
    h("h1", {}, "Caseload"),
    h("div", { class: "grid2" },
      h("div", { class: "field" }, h("label", { for: ids.view }, "Show"), viewSelect),
      h("div", { class: "field" }, h("label", { for: ids.sort }, "Sort by"), sortSelect)),
    note,
    map.element,
    list,
  );
  focusHeading(main);
  const position = await here();
  let shown = null;
  const draw = async () => {
    const waiting = new Set((await pending()).filter((i) => i.kind === "update").map((i) => i.meta.report_id));
    const cases = shown.cases.map((c) => ({ ...c, distance: position ? metres(position, c.location) : null }));
    if (sortSelect.value === "distance" && position) cases.sort((a, b) => a.distance - b.distance);
    else cases.sort((a, b) => (a.due || "9").localeCompare(b.due || "9"));
    const summary = shown.summary;
    mount(
      list,
      shown.at ? h("p", { class: "notice warn" }, `Offline: the list as it was at ${formatDate(shown.at)}.`) : null,
      summary ? h("p", { id: "caseload-summary" }, `${summary.open_cases} open, ${summary.overdue} overdue.`) : null,
      cases.length
        ? h("ul", { class: "cards", id: "case-list" }, cases.map((c) => caseCard(c, waiting)))
        : h("p", {}, "No open cases here."),
    );
    map.show(cases, position);
  };
  const load = async (explicit) => {
    mount(note);
    try {
      shown = await loadView(viewSelect.value, config, session);
      if (explicit) await put(SETTINGS, viewSelect.value, "caseload-view");
      await draw();
    } catch (error) {
      const unknown = error instanceof ApiError && error.problem.code === "WorkerNotFound";
      if (unknown && !explicit && views.some(([v]) => v === fallback)) {
        // Not in Footprints (yet): the team's open reports from Report IT are still there to work.
        viewSelect.value = fallback;
        await put(SETTINGS, fallback, "caseload-view"); // and next time, offline too
        await load(false);
        mount(note, h("p", { class: "notice" }, "Footprints has no caseload for you, so this shows your team's open reports."));
        return;
      }
      const why = unknown
        ? "Footprints has no worker record for you; ask your team leader."
        : isNetworkFailure(error) ? "there is no connection, and this list has not been kept on this phone yet." : error.message;
      mount(list, h("p", { class: "notice warn" }, `The cases could not be loaded: ${why}`));
      map.show([], position);
    }
  };
  viewSelect.addEventListener("change", () => load(true));
  sortSelect.addEventListener("change", draw);
  await load(false);
}

function timelineList(updates) {
  return h("ol", { class: "cards", id: "timeline" },
    updates.map((u) => h("li", { class: "card" },
      h("p", {}, h("strong", {}, formatDate(u.created_at)), u.actor_name ? ` · ${u.actor_name}` : "",
        u.status ? ` · ${u.status.replace(/_/g, " ")}` : ""),
      u.public_text ? h("p", {}, u.public_text) : null,
      u.internal_note ? h("p", { class: "hint" }, `Note: ${u.internal_note}`) : null)));
}

export async function renderCase(main, { navigate, id }) {
  const session = await requireSession(navigate);
  if (!session) return;
  const config = await loadConfig();
  let report;
  try {
    ({ data: report } = await fetchKept(`case:${id}`, `/v1/reports/${id}`, session.token));
  } catch (error) {
    mount(main, h("h1", {}, "Case"), h("p", { class: "notice warn" }, `This case could not be loaded: ${error.message}`));
    return focusHeading(main);
  }
  const updates = config.api.updates
    ? await fetchKept(`timeline:${id}`, config.api.updates.replace("{report_id}", id), session.token).then((k) => k.data).catch(() => [])
    : [];
  const templates = config.api.templates
    ? await fetchKept(`templates:${report.category}`, `${config.api.templates}?category=${report.category}`, session.token).then((k) => k.data).catch(() => [])
    : [];
  const ids = { status: uid("status"), template: uid("template"), text: uid("text"), photo: uid("result-photo") };
  const status = h("select", { id: ids.status }, h("option", { value: "" }, "Keep the current status"),
    WORK_STATUSES.map(([value, label]) => h("option", { value }, label)));
  const template = h("select", { id: ids.template }, h("option", { value: "" }, "No template"),
    templates.map((t) => h("option", { value: t.id }, t.title)));
  const text = h("textarea", { id: ids.text, maxlength: "4000" });
  template.addEventListener("change", () => {
    const chosen = templates.find((t) => t.id === template.value);
    if (!chosen) return;
    text.value = chosen.text;
    if (chosen.status) status.value = chosen.status;
  });
  let photo = null;
  const photoNote = h("p", { class: "hint", "aria-live": "polite" });
  const photoInput = h("input", { type: "file", id: ids.photo, accept: "image/*" });
  photoInput.addEventListener("change", async () => {
    if (!photoInput.files[0]) return;
    photo = await downscale(photoInput.files[0]);
    photoNote.textContent = "Photo of the result ready.";
  });
  const error = h("p", { class: "error-text", role: "alert" });
  const defra = report.category === FLY_TIPPING ? await defraForm(id, session.token) : null;
  const form = h("form", { novalidate: true },
    h("h2", {}, "Update this case"),
    error,
    h("div", { class: "field" }, h("label", { for: ids.template }, "Template"), template),
    h("div", { class: "field" }, h("label", { for: ids.status }, "New status"), status),
    h("div", { class: "field" }, h("label", { for: ids.text }, "Message to the public (optional)"), text),
    h("div", { class: "field photo-pick" }, photoInput,
      h("label", { for: ids.photo, class: "btn secondary" }, "Add a photo of the result"), photoNote),
    defra ? defra.element : null,
    h("button", { type: "submit", class: "btn big" }, "Save update"));
  if (defra) showWhenCompleting(form, status, defra);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const update = {};
    if (status.value) update.status = status.value;
    if (text.value.trim()) update.public_text = text.value.trim();
    if (template.value) update.template_id = template.value;
    if (!update.status && !update.public_text && !photo) {
      error.textContent = "Choose a new status, write a message or add a photo.";
      status.focus();
      return;
    }
    const defraValues = defra && !defra.element.hidden ? defra.read() : undefined;
    if (defraValues === null) return;
    form.querySelector("button[type=submit]").disabled = true;
    if (defraValues) await queueDefra(enqueue, report, defraValues);
    await enqueue({
      kind: "update",
      label: `${update.status ? (WORK_STATUSES.find(([v]) => v === update.status) || [0, "Update"])[1] : "Update"}: ${report.reference}`,
      path: `/v1/reports/${id}/updates`,
      json: update,
      photos: photo ? [photo.blob] : [],
      staff: true,
      meta: {
        part: "update",
        photo_field: "photo",
        report_id: id,
      },
    });
    toast(navigator.onLine ? "Sending the update…" : "Saved on this phone; it will be sent when you are back online.");
    flush().catch(() => {});
    navigate("#/staff/caseload");
  });
  mount(
    main,
    h("h1", {}, `${report.category_name} · ${report.reference}`),
    h("p", {}, h("span", { class: `status ${report.status_group}` }, report.status.replace(/_/g, " ")),
      ` Reported ${formatDate(report.created_at)}; due ${formatDate(report.expected_at) || "—"}.`),
    report.description ? h("p", {}, report.description) : null,
    h("p", { class: "pos" }, `Position ${report.location.lat.toFixed(5)}, ${report.location.long.toFixed(5)}`, report.address ? ` · ${report.address}` : ""),
    report.photos && report.photos.length
      ? h("ul", { class: "thumbs", "aria-label": "Photos" }, report.photos.map((p, i) => h("li", {}, h("img", { src: p.thumbnail_url, alt: `Photo ${i + 1} of the report` }))))
      : null,
    h("h2", {}, "History"),
    updates.length ? timelineList(updates) : h("p", {}, "No updates yet."),
    form,
  );
  focusHeading(main);
}
