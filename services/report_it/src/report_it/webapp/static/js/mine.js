// "My reports": what this phone sent (kept with each report's tracking token) and what still waits to be sent.

import { loadConfig, request } from "./api.js";
import { all, MINE, put } from "./db.js";
import { focusHeading, formatDate, h, mount } from "./dom.js";
import { confirmRepeat, CONFLICT, discard, flush, NEEDS_SIGN_IN, pending, REJECTED, retry } from "./outbox.js";

const STATUS_WORDS = {
  submitted: "Received",
  acknowledged: "Acknowledged",
  allocated: "With a team",
  in_progress: "Being dealt with",
  action_scheduled: "Action scheduled",
  fixed: "Fixed",
  not_council_responsibility: "Not the council's to fix",
  duplicate: "Already reported",
  no_further_action: "No further action",
  unable_to_locate: "Could not be found",
  cancelled: "Cancelled",
};

function statusBadge(report) {
  return h("span", { class: `status ${report.status_group || "open"}` }, STATUS_WORDS[report.status] || report.status);
}

function outboxCard(item) {
  const words = {
    [REJECTED]: "Not accepted",
    [CONFLICT]: "Changed by someone else",
    [NEEDS_SIGN_IN]: "Needs you to sign in",
  };
  const held = item.state !== "waiting";
  const repeat = held && item.problem && item.problem.code === "PossibleRepeat";
  return h(
    "li",
    { class: "card", "data-outbox": item.key },
    h("h3", {}, item.label || "Report"),
    h("p", {}, h("span", { class: `status ${held ? "rejected" : "waiting"}` }, repeat ? "Looks like one you just sent" : words[item.state] || "Waiting to send"), " ",
      `saved ${formatDate(item.created_at)}${item.photos && item.photos.length ? `, ${item.photos.length} photo(s)` : ""}`),
    item.last_error ? h("p", { class: "hint" }, item.last_error) : null,
    h("div", { class: "actions" },
      repeat ? h("button", { type: "button", onclick: () => confirmRepeat(item.key).then(() => flush()) }, "It's a different problem: send it") : null,
      held && !repeat ? h("button", { type: "button", class: "secondary", onclick: () => retry(item.key).then(() => flush()) }, "Try again") : null,
      held ? h("button", { type: "button", class: "danger", onclick: () => confirm("Discard this for good?") && discard(item.key) }, "Discard") : null),
  );
}

function reportCard(report) {
  const updates = report.public_updates;
  return h(
    "li",
    { class: "card", "data-report": report.id },
    h("h3", {}, `${report.category_name} · ${report.reference}`),
    h("p", {}, statusBadge(report), " ", `reported ${formatDate(report.created_at)}`),
    report.description ? h("p", {}, report.description) : null,
    updates && updates.length
      ? h("ol", { class: "hint", "aria-label": `Updates on ${report.reference}` },
          updates
            .map((u) => h("li", {}, `${formatDate(u.created_at)}: ${[u.status && STATUS_WORDS[u.status], u.public_text].filter(Boolean).join(". ")}`)))
      : null,
  );
}

// Ask the server for each report's status and public updates, with the tracking token that proves this phone
// made it; kept with the report, so they show offline too.
async function refreshStatuses(reports, config) {
  await Promise.all(
    reports.map(async (report) => {
      try {
        const { data } = await request(`/v1/reports/${report.id}`, { trackingToken: report.tracking_token, timeoutMs: 10000 });
        Object.assign(report, { status: data.status, status_group: data.status_group, updated_at: data.updated_at });
        await put(MINE, report);
        if (config.api && config.api.updates) {
          const path = config.api.updates.replace("{report_id}", report.id);
          const { data: list } = await request(path, { trackingToken: report.tracking_token, timeoutMs: 10000 });
          report.public_updates = (Array.isArray(list) ? list : list.items || []).filter((u) => u.public_text || u.status);
          await put(MINE, report);
        }
      } catch {
        // offline or gone: show what the phone knows
      }
    }),
  );
}

// Renders overlap (every outbox change redraws): only the latest may paint.
let generation = 0;

export async function renderMine(main, { fresh = true } = {}) {
  const mine = ++generation;
  const config = await loadConfig();
  const waiting = await pending();
  const reports = (await all(MINE)).sort((a, b) => b.created_at.localeCompare(a.created_at));
  const stillHere = () => location.hash.split("?")[0] === "#/mine";
  if (mine === generation && stillHere()) paint(main, waiting, reports);
  if (fresh && navigator.onLine && reports.length) {
    await refreshStatuses(reports, config);
    // Repaint from the phone's store, whatever redraws happened meanwhile (the outbox moving).
    if (stillHere()) await renderMine(main, { fresh: false });
  }
}

// Asked again while on screen (an interval, coming back to the app, the outbox sending): one refresh at a time.
let refreshing = null;

export function refreshMine(main) {
  if (!refreshing) refreshing = renderMine(main).finally(() => (refreshing = null));
  return refreshing;
}

function paint(main, waiting, reports) {
  let body = main.querySelector("#mine-body");
  const first = !body;
  if (first) {
    body = h("div", { id: "mine-body" });
    mount(main, h("h1", {}, "My reports"), body);
  }
  const next = h(
    "div",
    {},
    h("section", { "aria-labelledby": "outbox-h" },
      h("h2", { id: "outbox-h" }, `Waiting to send (${waiting.length})`),
      waiting.length
        ? [h("p", { class: "hint" }, "These are safe on this phone and are sent by themselves when there is a connection."),
           h("ul", { class: "cards", id: "outbox-list" }, waiting.map(outboxCard))]
        : h("p", { id: "outbox-empty" }, "Nothing is waiting: everything has been sent.")),
    h("section", { "aria-labelledby": "sent-h" },
      h("h2", { id: "sent-h" }, `Sent (${reports.length})`),
      reports.length
        ? h("ul", { class: "cards", id: "sent-list" }, reports.map(reportCard))
        : h("p", {}, "Reports you make on this phone appear here, with their progress.")),
  );
  // Redrawn often (every refresh, every outbox change): only when something shows differently, so focus stays on
  // the button it was on and screen readers are not read the same list again.
  if (first || next.innerHTML !== body.innerHTML) mount(body, ...next.childNodes);
  if (first) focusHeading(main);
}
