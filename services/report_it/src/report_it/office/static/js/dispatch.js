// The dispatch board of a footprint (and a team): each worker's cases against their capacity, overdue and near due,
// who is away, the cases waiting for allocation; a case reassigned or pinned with a reason (sent with the case's
// etag as If-Match, so a case someone moved meanwhile is not moved again), and a rebalance proposal to decide.

import { focusHeading, formatDate, h, mount, toast } from "/app/js/dom.js";
import { words } from "./office-api.js";
import { peer } from "./peers.js";
import { rebalancePanel } from "./rebalance.js";

function caseLine(item) {
  const tags = [item.overdue ? h("span", { class: "tag overdue" }, "overdue") : null,
    item.near_due ? h("span", { class: "tag high" }, "near due") : null, item.pinned ? h("span", { class: "tag" }, "pinned") : null];
  return [h("strong", {}, item.title), tags, h("span", { class: "meta" }, ` · ${words(item.priority)} · due ${formatDate(item.due_at)} · ${item.effort_points} pt`)];
}

export async function renderDispatch(main) {
  const error = h("p", { class: "error-text", role: "alert", id: "dispatch-error" });
  const footprintSelect = h("select", { id: "d-footprint" });
  const teamSelect = h("select", { id: "d-team" }, h("option", { value: "" }, "All teams"));
  const boardSlot = h("div", { id: "board", "aria-live": "polite" });
  let board = null;
  let loading = 0;

  // Footprint or team changed quickly one after another: only the answer to the last change is shown.
  async function load() {
    const ticket = ++loading;
    error.textContent = "";
    const query = teamSelect.value ? `?team_id=${encodeURIComponent(teamSelect.value)}` : "";
    let answer;
    try {
      ({ data: answer } = await peer("footprints", `/v1/dispatch-board/${encodeURIComponent(footprintSelect.value)}${query}`));
    } catch (failure) {
      if (ticket === loading) error.textContent = `The board cannot be shown: ${failure.message}`;
      return;
    }
    if (ticket !== loading) return;
    board = answer;
    const chosen = teamSelect.value;
    teamSelect.replaceChildren(h("option", { value: "" }, "All teams"),
      ...board.teams.map((t) => h("option", { value: t.id, selected: t.id === chosen }, t.name)));
    draw();
  }

  function reassignForm(item) {
    const to = h("select", { id: `to-${item.id}` }, h("option", { value: "" }, "Back to waiting for allocation"),
      board.workers.filter((w) => !item.worker || w.id !== item.worker.id).map((w) => h("option", { value: w.id }, `${w.display_name}${w.absent_today ? " (away today)" : ""}`)));
    const reason = h("input", { type: "text", id: `why-${item.id}`, autocomplete: "off" });
    const pin = h("input", { type: "checkbox", id: `pin-${item.id}` });
    const problem = h("p", { class: "error-text", role: "alert" });
    const form = h("form", { class: "reassign", novalidate: true, "aria-label": `Reassign ${item.title}` },
      h("div", { class: "row" },
        h("div", { class: "field" }, h("label", { for: to.id }, "Hand it to"), to),
        h("div", { class: "field" }, h("label", { for: reason.id }, "Why (kept in its audit trail)"), reason),
        h("label", { class: "choice", for: pin.id }, pin, " Pin it there"),
        h("button", { type: "submit" }, "Reassign")), problem);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      problem.textContent = "";
      if (reason.value.trim().length < 3) {
        problem.textContent = "Say why, in a few words.";
        reason.focus();
        return;
      }
      const body = { worker_id: to.value || null, reason: reason.value.trim(), pin: pin.checked };
      try {
        await peer("footprints", `/v1/cases/${item.id}/reassign`, { method: "POST", body, headers: { "If-Match": item.etag } });
      } catch (failure) {
        problem.textContent = `Not reassigned: ${failure.message}`;
        return;
      }
      const name = board.workers.find((w) => w.id === to.value);
      toast(`${item.title}: ${name ? `now with ${name.display_name}` : "waiting for allocation"}.`);
      await load();
      boardSlot.querySelector("h2").focus();
    });
    return form;
  }

  function caseItem(item) {
    const details = h("details", {}, h("summary", {}, `Reassign or pin`), reassignForm(item));
    return h("li", { "data-case": item.id }, caseLine(item), details);
  }

  function draw() {
    const t = board.totals;
    mount(boardSlot,
      h("h2", { tabindex: "-1", id: "board-heading" }, `${board.footprint_name}${board.team ? `, ${board.team.name}` : ""}`),
      h("p", { id: "board-totals" }, `${t.open_cases} open cases, ${t.waiting_allocation} waiting for allocation, ${t.overdue} overdue, ${t.near_due} near due; load ${t.load_points} of ${t.capacity_points} points.`),
      h("table", { class: "grid-table", id: "workers" },
        h("caption", {}, "Workers against their capacity"),
        h("thead", {}, h("tr", {}, ["Worker", "Team", "Cases", "Load / capacity", "Overdue", "Near due", "Away"].map((x) => h("th", { scope: "col" }, x)))),
        h("tbody", {}, board.workers.map((w) => h("tr", { "data-worker": w.id, class: w.load_points > w.capacity_points ? "over" : "" },
          h("th", { scope: "row" }, w.display_name), h("td", {}, w.team_name), h("td", {}, String(w.open_cases)),
          h("td", {}, `${w.load_points} / ${w.capacity_points}`), h("td", {}, String(w.overdue)), h("td", {}, String(w.near_due)),
          h("td", {}, w.absences.length ? w.absences.map((a) => `${words(a.kind)} ${a.starts_on} to ${a.ends_on}`).join("; ") : "—"))))),
      board.workers.map((w) => h("section", { class: "worker-cases", "aria-labelledby": `wh-${w.id}` },
        h("h3", { id: `wh-${w.id}` }, `${w.display_name}: ${w.open_cases} case${w.open_cases === 1 ? "" : "s"}`),
        w.cases.length ? h("ul", { class: "cases", "data-worker-cases": w.id }, w.cases.map(caseItem)) : h("p", {}, "No open cases."))),
      h("section", { "aria-labelledby": "waiting-heading" }, h("h3", { id: "waiting-heading" }, `Waiting for allocation: ${board.waiting.length}`),
        board.waiting.length ? h("ul", { class: "cases", id: "waiting" }, board.waiting.map(caseItem)) : h("p", {}, "None.")));
  }

  mount(main, h("h1", {}, "Dispatch board"), error);
  focusHeading(main);
  let features;
  try {
    ({ data: { features } } = await peer("footprints", "/v1/footprints"));
  } catch (failure) {
    error.textContent = `Footprints cannot be reached: ${failure.message}`;
    return;
  }
  footprintSelect.replaceChildren(...features.map((f) => h("option", { value: f.properties.code }, f.properties.name)));
  const form = h("form", { class: "filters", "aria-label": "Which board", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "d-footprint" }, "Footprint"), footprintSelect),
    h("div", { class: "field" }, h("label", { for: "d-team" }, "Team"), teamSelect));
  footprintSelect.addEventListener("change", () => { teamSelect.value = ""; load(); });
  teamSelect.addEventListener("change", load);
  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  main.append(form, boardSlot, rebalancePanel({ footprint: () => footprintSelect.value, moved: load }));
  await load();
}
