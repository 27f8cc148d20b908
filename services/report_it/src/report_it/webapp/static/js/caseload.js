// Staff work: the team's open reports (list sorted by due date or distance, kept for offline use), one case
// with its report, photos and history, and a change of state with a template text and a photo of the result.
// Changes go through the outbox; one refused because someone else changed the case meanwhile is shown as such.

import { ApiError, loadCategories, loadConfig, request, staffSession } from "./api.js";
import { get, put, SETTINGS } from "./db.js";
import { focusHeading, formatDate, h, mount, toast, uid } from "./dom.js";
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

function metres(a, b) {
  const rad = Math.PI / 180;
  const x = (b.long - a.long) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.sqrt(x * x + y * y) * 6371000;
}

function here() {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (fix) => resolve({ lat: fix.coords.latitude, long: fix.coords.longitude }),
      () => resolve(null),
      { timeout: 8000, maximumAge: 60000 },
    );
  });
}

// Online: ask the server and keep the answer; offline: the kept answer, with when it was kept.
async function fetchKept(key, path, token) {
  try {
    const { data } = await request(path, { token, timeoutMs: 10000 });
    await put(SETTINGS, { data, at: new Date().toISOString() }, key);
    return { data, at: null };
  } catch (error) {
    if (error instanceof ApiError && error.status !== 408 && error.status < 500) throw error;
    const kept = await get(SETTINGS, key);
    if (!kept) throw error;
    return kept;
  }
}

async function requireSession(navigate) {
  const session = await staffSession();
  if (!session || session.expired) {
    navigate("#/staff");
    return null;
  }
  return session;
}

export async function renderCaseload(main, { navigate }) {
  const session = await requireSession(navigate);
  if (!session) return;
  const config = await loadConfig();
  if (!config.api || !config.api.team_reports) {
    mount(main, h("h1", {}, "My team's cases"), h("p", { class: "notice" }, "This server does not offer team caseloads yet."));
    return focusHeading(main);
  }
  const categories = await loadCategories(session.token).catch(() => []);
  const teams = [...new Set(categories.map((c) => c.skill))].sort();
  const team = (await get(SETTINGS, "team")) || session.department || teams[0];
  const ids = { team: uid("team"), sort: uid("sort") };
  const teamSelect = h("select", { id: ids.team }, teams.map((t) => h("option", { value: t, selected: t === team }, t.replace(/_/g, " "))));
  const sortSelect = h("select", { id: ids.sort },
    h("option", { value: "due" }, "Due date"), h("option", { value: "distance" }, "Distance from me"));
  const list = h("div", { "aria-live": "polite" }, h("p", {}, "Loading…"));
  mount(
    main,
    h("h1", {}, "My team's cases"),
    h("div", { class: "grid2" },
      h("div", { class: "field" }, h("label", { for: ids.team }, "Team"), teamSelect),
      h("div", { class: "field" }, h("label", { for: ids.sort }, "Sort by"), sortSelect)),
    list,
  );
  focusHeading(main);
  const position = await here();
  let kept;
  const draw = async () => {
    const waiting = new Set((await pending()).filter((i) => i.kind === "update").map((i) => i.meta.report_id));
    const cases = [...kept.data].map((r) => ({ ...r, distance: position ? metres(position, r.location) : null }));
    if (sortSelect.value === "distance" && position) cases.sort((a, b) => a.distance - b.distance);
    else cases.sort((a, b) => (a.expected_at || "9").localeCompare(b.expected_at || "9"));
    mount(
      list,
      kept.at ? h("p", { class: "notice warn" }, `Offline: the list as it was at ${formatDate(kept.at)}.`) : null,
      cases.length
        ? h("ul", { class: "cards", id: "case-list" }, cases.map((r) => {
            const overdue = r.expected_at && new Date(r.expected_at) < new Date();
            return h("li", { class: "card", "data-case": r.id },
              h("h3", {}, h("a", { href: `#/staff/case?id=${r.id}` }, `${r.category_name} · ${r.reference}`)),
              h("p", {}, `${overdue ? "Overdue: was due" : "Due"} ${formatDate(r.expected_at) || "—"}`,
                r.distance !== null ? `; ${r.distance < 1000 ? `${Math.round(r.distance)} m` : `${(r.distance / 1000).toFixed(1)} km`} away` : ""),
              r.description ? h("p", { class: "hint" }, r.description) : null,
              waiting.has(r.id) ? h("p", {}, h("span", { class: "status waiting" }, "Change waiting to send")) : null);
          }))
        : h("p", {}, "No open cases for this team."),
    );
  };
  const load = async () => {
    await put(SETTINGS, teamSelect.value, "team");
    const query = new URLSearchParams({ team: teamSelect.value });
    try {
      kept = await fetchKept(`caseload:${teamSelect.value}`, `${config.api.team_reports}?${query}`, session.token);
      await draw();
    } catch (error) {
      mount(list, h("p", { class: "notice warn" }, `The cases could not be loaded: ${error.message}`));
    }
  };
  teamSelect.addEventListener("change", load);
  sortSelect.addEventListener("change", draw);
  await load();
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
  const form = h("form", { novalidate: true },
    h("h2", {}, "Update this case"),
    error,
    h("div", { class: "field" }, h("label", { for: ids.template }, "Template"), template),
    h("div", { class: "field" }, h("label", { for: ids.status }, "New status"), status),
    h("div", { class: "field" }, h("label", { for: ids.text }, "Message to the public (optional)"), text),
    h("div", { class: "field photo-pick" }, photoInput,
      h("label", { for: ids.photo, class: "btn secondary" }, "Add a photo of the result"), photoNote),
    h("button", { type: "submit", class: "btn big" }, "Save update"));
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
    form.querySelector("button[type=submit]").disabled = true;
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
        done_when: update.status ? { path: `/v1/reports/${id}`, field: "status", equals: update.status } : null,
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
