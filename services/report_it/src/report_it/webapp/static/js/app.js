// The app's entry: registers the service worker, finishes a sign-in on the way back from the council's identity
// provider, routes between screens, keeps the network banner and the outbox moving (Background Sync where the
// browser has it, retries on the page otherwise), keeps My reports in step with the server while it is on
// screen, and keeps a staff sign-in renewed while the app is open.

import { focusHeading, h, mount, toast } from "./dom.js";
import { loadCategories, loadConfig, staffSession } from "./api.js";
import { flush, onOutboxChange, pending, WAITING } from "./outbox.js";

const main = document.getElementById("main");
const banner = document.getElementById("net");
// A connection that has just come back often fails the first try: retry soon, then back off, but never wait long,
// so a change made offline reaches the server within seconds of the signal returning.
const RETRY_FIRST_MS = 1000;
const RETRY_CAP_MS = 10000;
// How often My reports asks the server for news while it is on screen (one request or two per report).
const MINE_REFRESH_MS = 15000;
// How often to see whether the staff sign-in is due for renewal (it is renewed two minutes before it ends).
const SIGN_IN_CHECK_MS = 30000;

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function home() {
  mount(
    main,
    h("h1", {}, "Report a problem in your street"),
    h("p", { class: "lede" }, "Fly-tipping, litter, graffiti, potholes, broken lights: tell Wigan Council in a few taps, even with no signal."),
    h("a", { class: "btn big", href: "#/report" }, "Report a problem"),
    h("a", { class: "btn big secondary", href: "#/mine" }, "My reports"),
    h("p", {}, h("a", { href: "#/staff" }, "Council staff: sign in")),
  );
  focusHeading(main);
}

const screens = {
  "": home,
  "#/": home,
  "#/report": async () => (await import("./report-form.js")).renderReportForm(main, { navigate }),
  "#/mine": async () => (await import("./mine.js")).renderMine(main),
  "#/staff": async () => (await import("./staff.js")).renderStaff(main, { navigate }),
  "#/staff/log": async () => (await import("./report-form.js")).renderReportForm(main, { staff: true, navigate }),
  "#/staff/caseload": async () => (await import("./caseload.js")).renderCaseload(main, { navigate }),
  "#/staff/volunteering": async () => (await import("./volunteering.js")).renderVolunteering(main, { navigate }),
  "#/staff/case": async () =>
    (await import("./caseload.js")).renderCase(main, { navigate, id: new URLSearchParams(location.hash.split("?")[1]).get("id") }),
};

function currentScreen() {
  return location.hash.split("?")[0];
}

async function route() {
  const screen = screens[currentScreen()] || home;
  for (const link of document.querySelectorAll(".bar nav a")) {
    const here = currentScreen().startsWith(link.getAttribute("href"));
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    await screen();
  } catch (error) {
    mount(main, h("h1", {}, "Something went wrong"), h("p", {}, error.message || String(error)));
    focusHeading(main);
  }
}

async function showNetwork() {
  const items = await pending();
  const waiting = items.filter((item) => item.state === "waiting").length;
  const held = items.length - waiting;
  const online = navigator.onLine;
  banner.classList.toggle("offline", !online);
  const queued = waiting ? ` ${waiting} waiting to send.` : "";
  const attention = held ? ` ${held} need${held === 1 ? "s" : ""} your attention in My reports.` : "";
  banner.textContent = online
    ? `${waiting ? `Sending…${queued}` : ""}${attention}`.trim()
    : `You are offline. Reports are saved on this phone.${queued}${attention}`;
  document.body.dataset.outbox = String(items.length);
  if (currentScreen() === "#/mine") (await import("./mine.js")).renderMine(main, { fresh: false });
  if (currentScreen() === "#/staff/volunteering") (await import("./volunteering.js")).refreshVolunteering(main);
}

let sending = false;
let sendAgain = false;
let retryTimer = null;
let retryMs = RETRY_FIRST_MS;

const hasWaiting = async () => (await pending()).some((item) => item.state === WAITING);

// One round of sending at a time; a call during a round asks for one more round once it ends.
async function send() {
  if (sending) {
    sendAgain = true;
    return;
  }
  clearTimeout(retryTimer);
  retryTimer = null;
  if (!navigator.onLine) return; // the "online" event starts the next round
  sending = true;
  let sent = 0;
  try {
    do {
      sendAgain = false;
      sent += (await flush()).sent;
    } while (sendAgain);
  } catch {
    // the phone's store failed this time: the retry below tries again
  } finally {
    sending = false;
  }
  if (sent) retryMs = RETRY_FIRST_MS; // progress: the connection works, so the next wait starts short again
  await showNetwork();
  if (sent) refreshMine();
  scheduleRetry();
}

// Something still waits (no connection after all, or the server asked to come back later): try again shortly.
async function scheduleRetry() {
  if (sending || retryTimer || !navigator.onLine || !(await hasWaiting())) return;
  if (sending || retryTimer) return; // another call got there while the outbox was read
  retryTimer = setTimeout(() => {
    retryTimer = null;
    retryMs = Math.min(retryMs * 2, RETRY_CAP_MS);
    send();
  }, retryMs);
}

// The connection is back or the person is back in the app: send at once, with the waits short again.
function sendNow() {
  retryMs = RETRY_FIRST_MS;
  send();
}

// My reports asks the server again, in place, while it is on screen and the app is in front.
async function refreshMine() {
  if (currentScreen() !== "#/mine" || document.visibilityState !== "visible") return;
  (await import("./mine.js")).refreshMine(main);
}

function backInTheApp() {
  if (document.visibilityState !== "visible") return;
  sendNow();
  refreshMine();
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("sw.js", { scope: "./", type: "module" });
  } catch {
    // No offline shell on this browser; the app still works online and its outbox still retries here.
  }
}

// Ask the worker to send when the connection is back, even if the app is closed by then.
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker.ready;
    if (registration.sync) await registration.sync.register("outbox");
  } catch {
    // not available: the page retries on its own
  }
}

window.addEventListener("hashchange", route);
window.addEventListener("online", () => {
  showNetwork();
  sendNow();
});
window.addEventListener("offline", showNetwork);
window.addEventListener("focus", backInTheApp);
document.addEventListener("visibilitychange", backInTheApp);
onOutboxChange(() => {
  showNetwork();
  requestBackgroundSync();
  // A screen's own send may have failed: make sure a retry is due (a no-op while one is already set).
  scheduleRetry();
});
setInterval(refreshMine, MINE_REFRESH_MS);
setInterval(() => staffSession().catch(() => null), SIGN_IN_CHECK_MS);

// Keep what the report screen needs on the phone, so the first report can be made with no signal.
async function warmUp() {
  try {
    await loadConfig();
    await loadCategories();
    const session = await staffSession();
    if (session && !session.expired) await loadCategories(session.token);
  } catch {
    // offline on first open: the report screen says so
  } finally {
    document.body.dataset.ready = "1";
  }
}

// Back from the council's identity provider: sign in before the first screen, which is then the staff screen.
async function start() {
  const signIn = await import("./council-sign-in.js");
  if (signIn.isSignInReturn()) {
    const session = await signIn.finishSignIn();
    if (session) toast(`Signed in as ${session.name}.`);
  }
  route();
}

registerWorker();
start();
showNetwork();
warmUp().then(sendNow);
