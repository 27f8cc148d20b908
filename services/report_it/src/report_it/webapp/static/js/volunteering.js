// Staff volunteering days, from the Volunteering service: the entitlement left this leave year, the bookings made
// (each one added to a calendar as an iCal event), and opportunities nearest first, booked through the outbox so a
// booking made with no signal is sent later. The outbox sends each booking with its own Idempotency-Key, so a resend
// whose first attempt went through is answered with the booking first made, never a second one.

import { ApiError, loadConfig } from "./api.js";
import { focusHeading, formatDate, h, mount, toast, uid } from "./dom.js";
import { distanceText, here, metres } from "./geo.js";
import { fetchKept, requireSession } from "./kept.js";
import { enqueue, flush, pending } from "./outbox.js";

const SCREEN = "#/staff/volunteering";
const STATUS_WORDS = {
  requested: "Waiting for your manager",
  approved: "Approved",
  waitlisted: "On the waiting list",
  declined: "Declined",
  cancelled: "Cancelled",
};

const hours = (value) => `${Number(value.toFixed(2))} hour${value === 1 ? "" : "s"}`;
const stillHere = () => location.hash.split("?")[0] === SCREEN;

function when(item) {
  if (!item.starts_at) return item.date ? `${new Date(item.date).toLocaleDateString("en-GB", { dateStyle: "medium" })}` : "Flexible: you choose the day";
  const end = item.ends_at ? new Date(item.ends_at).toLocaleTimeString("en-GB", { timeStyle: "short" }) : "";
  return `${formatDate(item.starts_at)}${end ? ` to ${end}` : ""}`;
}

// Minutes the bookings still on this phone will take from this leave year, as Volunteering counts them: a day is the
// standard day, half a day half of it (in whole minutes, rounded down), hours as asked. One Volunteering already has
// (sent, but its answer lost on the way back) is counted there, not twice.
function waitingMinutes(outbox, entitlement, booked) {
  const day = Math.round(entitlement.standard_day_hours * 60);
  const thisYear = (item) => !item.meta.on || (item.meta.on >= entitlement.starts_on && item.meta.on <= entitlement.ends_on);
  const counts = (item) => item.state === "waiting" && thisYear(item) && !booked.has(item.meta.opportunity_id);
  return outbox.filter(counts).reduce((sum, item) => {
    const { amount, hours: asked } = item.json || {};
    if (amount === "half_day") return sum + Math.floor(day / 2);
    if (amount === "hours") return sum + Math.round((asked || 0) * 60);
    return sum + day;
  }, 0);
}

function entitlementPanel(entitlement, outbox, booked) {
  const waiting = waitingMinutes(outbox, entitlement, booked) / 60;
  return h("section", { "aria-labelledby": "entitlement-h" },
    h("h2", { id: "entitlement-h" }, `Your entitlement (${entitlement.leave_year_label})`),
    h("p", { class: "lede", id: "entitlement-left" },
      h("strong", {}, `${hours(entitlement.remaining_hours)} left`),
      ` (${Number(entitlement.remaining_days.toFixed(2))} days)`),
    h("p", { class: "hint" },
      `Of ${hours(entitlement.entitlement_hours + entitlement.carried_over_hours)}: ${hours(entitlement.booked_hours)} booked, ${hours(entitlement.taken_hours)} taken.`),
    waiting > 0
      ? h("p", { class: "hint", id: "entitlement-waiting" },
        `${hours(waiting)} of it in bookings waiting to send: ${hours(Math.max(0, entitlement.remaining_hours - waiting))} left once they are sent.`)
      : null);
}

// The event comes from the server with the staff token, so it is fetched here and handed over as a file.
async function addToCalendar(base, booking, session) {
  try {
    const response = await fetch(`${base}/v1/bookings/${booking.id}/calendar.ics`, {
      headers: { Authorization: `Bearer ${session.token}` },
      cache: "no-store",
    });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    const blob = new Blob([await response.text()], { type: "text/calendar" });
    const link = h("a", { href: URL.createObjectURL(blob), download: `volunteering-${booking.date}.ics` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (error) {
    toast(error instanceof ApiError ? `The calendar event could not be made: ${error.message}` : "The calendar event needs a connection.");
  }
}

function bookingCard(base, booking, session) {
  return h("li", { class: "card", "data-booking": booking.id },
    h("h3", {}, booking.opportunity_title || "Volunteering"),
    h("p", {}, `${booking.organisation_name} · ${when(booking)} · ${hours(booking.hours)}`),
    h("p", {}, h("span", { class: `status ${booking.status === "approved" ? "fixed" : booking.status === "declined" ? "rejected" : "open"}` },
      STATUS_WORDS[booking.status] || booking.status)),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", "aria-label": `Add to calendar: ${booking.opportunity_title || "volunteering"}`,
        onclick: () => addToCalendar(base, booking, session) }, "Add to calendar")));
}

function waitingCard(item) {
  return h("li", { class: "card", "data-outbox": item.key },
    h("h3", {}, item.meta.title),
    h("p", {}, h("span", { class: `status ${item.state === "waiting" ? "waiting" : "rejected"}` },
      item.state === "waiting" ? "Booking waiting to send" : "Booking not accepted")),
    item.state !== "waiting" && item.last_error ? h("p", { class: "hint" }, `${item.last_error} See My reports to try again or discard it.`) : null);
}

function bookForm(opportunity, entitlement, onBook) {
  const ids = { amount: uid("amount"), date: uid("day") };
  const amount = h("select", { id: ids.amount },
    h("option", { value: "day" }, `A day (${hours(entitlement ? entitlement.standard_day_hours : 7.4)})`),
    h("option", { value: "half_day" }, "Half a day"));
  const day = opportunity.flexible
    ? h("input", { type: "date", id: ids.date, required: true, min: new Date().toISOString().slice(0, 10) })
    : null;
  const error = h("p", { class: "error-text", role: "alert" });
  const verb = opportunity.places_left > 0 ? "Book" : "Join the waiting list";
  const form = h("form", { novalidate: true },
    error,
    h("div", { class: day ? "grid2" : "" },
      h("div", { class: "field" }, h("label", { for: ids.amount }, "How long"), amount),
      day ? h("div", { class: "field" }, h("label", { for: ids.date }, "Which day"), day) : null),
    h("button", { type: "submit", class: "btn", "aria-label": `${verb}: ${opportunity.title}` }, verb));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (day && !day.value) {
      error.textContent = "Choose the day you will volunteer.";
      day.focus();
      return;
    }
    form.querySelector("button").disabled = true;
    onBook({ opportunity_id: opportunity.id, amount: amount.value, ...(day ? { date: day.value } : {}) });
  });
  return form;
}

function opportunityCard(opportunity, { booked, waiting, entitlement, onBook }) {
  const left = opportunity.places_left > 0 ? `${opportunity.places_left} of ${opportunity.places} places left` : `Full; ${opportunity.waitlist_count} waiting`;
  return h("li", { class: "card", "data-opportunity": opportunity.id },
    h("h3", {}, opportunity.title),
    h("p", {}, `${opportunity.organisation_name} · ${when(opportunity)}`),
    h("p", {}, `${left}${opportunity.distance !== null ? ` · ${distanceText(opportunity.distance)} away` : ""}`),
    opportunity.address ? h("p", { class: "hint" }, opportunity.address) : null,
    opportunity.description ? h("p", { class: "hint" }, opportunity.description) : null,
    opportunity.accessibility_notes ? h("p", { class: "hint" }, `Access: ${opportunity.accessibility_notes}`) : null,
    booked ? h("p", {}, h("span", { class: "status fixed" }, "You are booked"))
      : waiting ? h("p", {}, h("span", { class: "status waiting" }, "Booking waiting to send"))
        : bookForm(opportunity, entitlement, (body) => onBook(opportunity, body)));
}

async function book(base, opportunity, body) {
  await enqueue({
    kind: "booking",
    label: `Volunteering: ${opportunity.title}`,
    path: `${base}/v1/bookings`,
    json: body,
    staff: true,
    meta: {
      conflict_is_refusal: true,
      opportunity_id: opportunity.id,
      title: opportunity.title,
      on: body.date || (opportunity.starts_at || "").slice(0, 10) || null,
    },
  });
  toast(navigator.onLine ? "Booking…" : "Saved on this phone; the booking is sent when you are back online.");
}

async function load(base, session) {
  const key = (name) => `volunteering:${name}:${session.subject}`;
  const [entitlement, bookings, opportunities] = await Promise.all([
    fetchKept(key("entitlement"), `${base}/v1/me/entitlement`, session.token),
    fetchKept(key("bookings"), `${base}/v1/me/bookings`, session.token),
    fetchKept(key("opportunities"), `${base}/v1/opportunities`, session.token),
  ]);
  return { entitlement, bookings, opportunities, at: entitlement.at || bookings.at || opportunities.at };
}

// Renders overlap (the outbox moving redraws): only the latest may paint.
let generation = 0;
let position = null;

async function paint(main, { base, session, config }) {
  const mine = ++generation;
  const body = main.querySelector("#volunteering-body");
  let data;
  try {
    data = await load(base, session);
  } catch (error) {
    if (mine !== generation || !body) return;
    const unknown = error instanceof ApiError && error.problem.code === "StaffProfileNotFound";
    mount(body, h("p", { class: "notice warn" }, unknown
      ? "Volunteering has no profile for you yet: ask your line manager or an administrator to add one."
      : `Your volunteering could not be loaded: ${error.message}`));
    return;
  }
  const outbox = (await pending()).filter((item) => item.kind === "booking");
  if (mine !== generation || !stillHere()) return;
  const from = position || config.centre;
  const active = data.bookings.data.filter((b) => b.status !== "cancelled" && b.status !== "declined");
  const booked = new Set(active.map((b) => b.opportunity_id));
  const waiting = new Set(outbox.map((item) => item.meta.opportunity_id));
  const opportunities = data.opportunities.data
    .map((o) => ({ ...o, distance: metres(from, o.location) }))
    .sort((a, b) => a.distance - b.distance);
  const onBook = async (opportunity, body_) => {
    await book(base, opportunity, body_);
    await paint(main, { base, session, config });
    if (navigator.onLine) flush().then(() => paint(main, { base, session, config })).catch(() => {});
  };
  mount(
    body,
    data.at ? h("p", { class: "notice warn" }, `Offline: as it was at ${formatDate(data.at)}.`) : null,
    entitlementPanel(data.entitlement.data, outbox, booked),
    h("section", { "aria-labelledby": "bookings-h" },
      h("h2", { id: "bookings-h" }, "Your bookings"),
      outbox.length ? h("ul", { class: "cards", id: "booking-outbox" }, outbox.map(waitingCard)) : null,
      active.length
        ? h("ul", { class: "cards", id: "booking-list" }, active.map((b) => bookingCard(base, b, session)))
        : h("p", {}, "No volunteering booked yet.")),
    h("section", { "aria-labelledby": "opportunities-h" },
      h("h2", { id: "opportunities-h" }, position ? "Opportunities near you" : "Opportunities"),
      h("p", { class: "hint" }, position ? "Nearest first." : "Nearest to the town centre first (your location is not available)."),
      opportunities.length
        ? h("ul", { class: "cards", id: "opportunity-list" }, opportunities.map((o) =>
            opportunityCard(o, { booked: booked.has(o.id), waiting: waiting.has(o.id), entitlement: data.entitlement.data, onBook })))
        : h("p", {}, "No opportunities are open for booking just now.")),
  );
}

let current = null;

export async function renderVolunteering(main, { navigate }) {
  const session = await requireSession(navigate);
  if (!session) return;
  const config = await loadConfig();
  const base = config.services && config.services.volunteering;
  if (!base) {
    mount(main, h("h1", {}, "My volunteering"), h("p", { class: "notice" }, "Volunteering is not offered by this server."));
    return focusHeading(main);
  }
  mount(main, h("h1", {}, "My volunteering"), h("div", { id: "volunteering-body" }, h("p", {}, "Loading…")));
  focusHeading(main);
  current = { base, session, config };
  position = await here();
  await paint(main, current);
}

// The outbox moved (a booking sent or refused): repaint in place, keeping focus where it is.
export async function refreshVolunteering(main) {
  if (current && stillHere() && main.querySelector("#volunteering-body")) await paint(main, current);
}
