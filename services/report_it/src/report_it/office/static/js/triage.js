// The triage screen: the queue on the left (filters, selection, keyboard: arrows or j/k move, Enter opens, x
// selects), the open report on the right, bulk actions over the selection, and arrivals added as they happen.

import { focusHeading, formatDate, h, mount, toast } from "/app/js/dom.js";
import { bulkBar } from "./bulk.js";
import { renderDetail } from "./detail.js";
import { watchArrivals } from "./events.js";
import { filterForm, fits, matches } from "./filters.js";
import { api, inQueue, words } from "./office-api.js";

const PAGE = 50;
let stopEvents = null;

export function stopTriage() {
  if (stopEvents) stopEvents();
  stopEvents = null;
}

function row(item, state, index) {
  const active = index === state.active;
  const tags = [
    item.reopened ? h("span", { class: "tag reopened" }, "reopened") : null,
    ["high", "urgent"].includes(item.priority) ? h("span", { class: `tag ${item.priority}` }, item.priority) : null,
    item.overdue ? h("span", { class: "tag overdue" }, "overdue") : null,
  ];
  const tick = h("input", { type: "checkbox", "aria-label": `Select ${item.reference}`, checked: state.selected.has(item.id), tabindex: active ? "0" : "-1" });
  const open = h("button", { type: "button", class: "open", tabindex: active ? "0" : "-1", "aria-current": item.id === state.openId ? "true" : null },
    h("strong", {}, item.reference), ` ${item.category_name}`, tags,
    h("span", { class: "meta" }, `Waiting since ${formatDate(item.waiting_since)}`, item.ward ? ` · ward ${item.ward}` : "", ` · ${words(item.priority)}`));
  return h("li", { "data-report": item.id, "data-reference": item.reference, class: [active ? "active" : "", state.fresh.has(item.id) ? "fresh" : ""].join(" ").trim() },
    h("span", { class: "pick" }, tick), open);
}

export async function renderTriage(main, { session }) {
  stopTriage();
  const [{ data: categories }, { data: templates }] = await Promise.all([api("/v1/categories"), api("/v1/response-templates")]);
  const state = {
    session, items: [], total: 0, next: null, active: 0, openId: null, selected: new Set(), fresh: new Set(),
    filters: { queue: "general", category: "", priority: "", footprint: "", ward: "", order: "oldest" },
  };
  const list = h("ol", { class: "queue", id: "queue-list", "aria-labelledby": "queue-heading", "aria-describedby": "queue-keys" });
  const count = h("p", { id: "queue-count" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more");
  const detail = h("section", { class: "detail-pane", "aria-label": "The open report" },
    h("h2", { id: "detail-heading" }, "No report open"), h("p", {}, "Open a report from the queue to see it here."));
  const filtersSlot = h("div", {});
  const bulk = bulkBar({
    templates,
    selectedItems: () => state.items.filter((item) => state.selected.has(item.id)),
    done: async (results, said) => {
      for (const result of results) {
        // A refusal for a stale copy carries the report as it now is: the list shows that, not the old copy.
        const now = result.item || (result.problem && result.problem.current);
        if (now) replace(now);
        if (result.outcome !== "refused") state.selected.delete(result.report_id);
      }
      if (results.some((r) => r.report_id === state.openId && r.item)) await open(state.openId);
      draw();
      toast(said);
    },
  });

  function draw() {
    state.active = Math.max(0, Math.min(state.active, state.items.length - 1));
    list.replaceChildren(...state.items.map((item, index) => row(item, state, index)));
    count.textContent = state.items.length
      ? `${state.total} report${state.total === 1 ? "" : "s"} waiting${state.items.length < state.total ? `, ${state.items.length} shown` : ""}.`
      : "Nothing waiting: the queue is empty for these filters.";
    more.hidden = !state.next;
    bulk.refresh();
  }

  // An item after an action: it stays in the list while it is still waiting and still fits the filters (a report
  // recategorised out of the category shown leaves it), and leaves once it does not.
  function replace(item) {
    const index = state.items.findIndex((i) => i.id === item.id);
    if (index < 0) return;
    if (inQueue(item) && fits(item, state.filters)) state.items[index] = item;
    else {
      state.items.splice(index, 1);
      state.total = Math.max(0, state.total - 1);
      state.selected.delete(item.id);
    }
  }

  function params(cursor) {
    const query = new URLSearchParams({ queue: state.filters.queue, order: state.filters.order, limit: String(PAGE) });
    for (const name of ["category", "priority", "footprint", "ward"]) if (state.filters[name]) query.set(name, state.filters[name]);
    if (cursor) query.set("cursor", cursor);
    return query;
  }

  // Filters changed quickly one after another: only the answer to the last change is shown.
  let loading = 0;
  async function load({ rebuildFilters = false } = {}) {
    const ticket = ++loading;
    if (rebuildFilters) filtersSlot.replaceChildren(filterForm(state, categories, load));
    const startedAt = new Date(Date.now() - 5000).toISOString();
    list.setAttribute("aria-busy", "true");
    try {
      const { data } = await api(`/v1/triage/queue?${params()}`);
      if (ticket !== loading) return;
      Object.assign(state, { items: data.items, total: data.total, next: data.next_cursor, active: 0 });
      state.selected = new Set([...state.selected].filter((id) => data.items.some((i) => i.id === id)));
    } catch (failure) {
      if (ticket !== loading) return;
      state.items = [];
      count.textContent = failure.message;
      return;
    } finally {
      if (ticket === loading) list.setAttribute("aria-busy", "false");
    }
    draw();
    watch(startedAt);
  }

  async function loadMore() {
    const { data } = await api(`/v1/triage/queue?${params(state.next)}`);
    const known = new Set(state.items.map((i) => i.id));
    state.items.push(...data.items.filter((i) => !known.has(i.id)));
    state.next = data.next_cursor;
    draw();
  }

  // Arrivals go to the general queue only (safeguarding concerns never do), in their place in the order.
  function arrived(item) {
    if (!matches(item, state.filters) || state.items.some((i) => i.id === item.id)) return;
    const activeId = state.items[state.active] && state.items[state.active].id;
    const newest = state.filters.order === "newest";
    const later = (a, b) => (newest ? a.waiting_since > b.waiting_since : a.waiting_since < b.waiting_since);
    const at = state.items.findIndex((other) => later(item, other));
    if (at < 0 && state.next) {
      state.total += 1; // belongs on a later page
    } else {
      state.items.splice(at < 0 ? state.items.length : at, 0, item);
      state.total += 1;
      state.fresh.add(item.id);
    }
    const focusedInList = list.contains(document.activeElement);
    state.active = Math.max(0, state.items.findIndex((i) => i.id === activeId));
    draw();
    if (focusedInList) focus(state.active);
    document.getElementById("arrivals").textContent = `New report ${item.reference}: ${item.category_name}.`;
  }

  function watch(since) {
    stopTriage();
    if (state.filters.queue !== "general") return;
    stopEvents = watchArrivals({ since, onArrival: arrived, onState: (s) => (document.body.dataset.events = s) });
  }

  function focus(index, part = "button.open") {
    state.active = index;
    for (const [i, li] of [...list.children].entries()) {
      li.classList.toggle("active", i === index);
      for (const control of li.querySelectorAll("button, input")) control.tabIndex = i === index ? 0 : -1;
    }
    const li = list.children[index];
    if (li) {
      li.querySelector(part).focus();
      li.scrollIntoView({ block: "nearest" });
    }
  }

  let opening = 0;
  async function open(id) {
    const ticket = ++opening;
    state.openId = id;
    state.fresh.delete(id);
    for (const button of list.querySelectorAll("button.open")) button.removeAttribute("aria-current");
    const li = list.querySelector(`[data-report="${id}"]`);
    if (li) li.querySelector("button.open").setAttribute("aria-current", "true");
    await renderDetail(detail, id, ctx, { wanted: () => ticket === opening });
  }

  const ctx = {
    categories,
    templates,
    openReport: open,
    // The report as the detail pane just read it: the list keeps its row (and its etag for bulk actions) in step.
    seen: (report) => {
      if (!state.items.some((i) => i.id === report.id)) return;
      const activeId = state.items[state.active] && state.items[state.active].id;
      replace(report);
      state.active = Math.max(0, state.items.findIndex((i) => i.id === activeId));
      draw();
    },
    // After an action: a report still in the list (or opened from elsewhere, e.g. nearby) is shown as it now is;
    // one that left the list makes way for the next one waiting.
    changed: async (item, said) => {
      const index = state.items.findIndex((i) => i.id === item.id);
      replace(item);
      draw();
      toast(said);
      if (index < 0 || state.items.some((i) => i.id === item.id)) {
        await open(item.id);
      } else if (state.items.length) {
        state.active = Math.min(index, state.items.length - 1);
        draw();
        await open(state.items[state.active].id);
      } else {
        mount(detail, h("h2", { id: "detail-heading", tabindex: "-1" }, "No report open"), h("p", {}, "The queue is empty."));
        detail.querySelector("h2").focus();
      }
    },
  };

  list.addEventListener("keydown", (event) => {
    const li = event.target.closest("li");
    if (!li) return;
    const index = [...list.children].indexOf(li);
    const onTick = event.target.matches("input");
    const part = onTick ? "input" : "button.open";
    const moves = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1 };
    if (event.key in moves) {
      event.preventDefault();
      focus(Math.max(0, Math.min(state.items.length - 1, index + moves[event.key])), part);
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      focus(event.key === "Home" ? 0 : state.items.length - 1, part);
    } else if (event.key === "x") {
      event.preventDefault();
      li.querySelector("input").click();
      focus(index, part); // x selects where the officer is; focus stays on what it was on
    } else if (event.key === "Enter" && onTick) {
      event.preventDefault();
      open(li.dataset.report);
    }
  });
  list.addEventListener("click", (event) => {
    const li = event.target.closest("li");
    if (!li) return;
    const index = [...list.children].indexOf(li);
    if (event.target.matches("input")) {
      if (event.target.checked) state.selected.add(li.dataset.report);
      else state.selected.delete(li.dataset.report);
      bulk.refresh();
      focus(index, "input");
    } else if (event.target.closest("button.open")) {
      focus(index);
      // Opening the report already open would redraw it and lose what the officer had typed or chosen there.
      if (li.dataset.report !== state.openId) open(li.dataset.report);
    }
  });
  detail.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.items.length) focus(state.active);
  });
  more.addEventListener("click", loadMore);

  mount(main,
    h("h1", {}, "Triage"),
    h("div", { class: "panes" },
      h("section", { class: "queue-pane", "aria-labelledby": "queue-heading" },
        h("h2", { id: "queue-heading" }, "Reports waiting"),
        filtersSlot, bulk.element, count,
        h("p", { class: "keys", id: "queue-keys" }, "Keys: ", h("kbd", {}, "↑"), " ", h("kbd", {}, "↓"), " or ", h("kbd", {}, "j"), " ", h("kbd", {}, "k"),
          " move, ", h("kbd", {}, "Enter"), " opens, ", h("kbd", {}, "x"), " selects, ", h("kbd", {}, "Esc"), " goes back from the report to the queue."),
        list, more),
      detail));
  await load({ rebuildFilters: true });
  focusHeading(main);
}
