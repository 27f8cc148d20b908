// The office's entry: finishes a sign-in on the way back from the council's identity provider (with the field
// app's own modules, so both keep one staff session on this computer), then shows the sign-in or the screen the
// address names (the triage queue by default).

import { staffSession } from "/app/js/api.js";
import { finishSignIn, isSignInReturn } from "/app/js/council-sign-in.js";
import { h, mount, toast } from "/app/js/dom.js";
import { signOutAndForget } from "/app/js/sign-out.js";
import { renderFlyTippingReturn } from "./flytipping-return.js";
import { renderOutcomes, stopOutcomes } from "./outcomes.js";
import { renderWardView } from "./outcomes-wards.js";
import { renderDispatch } from "./dispatch.js";
import { renderRules } from "./rules.js";
import { addScreen, drawBar, hideBar, isOfficeAddress, screenFor, stopScreens } from "./screens.js";
import { renderSignIn } from "./sign-in.js";
import { renderTriage, stopTriage } from "./triage.js";

// The roles the office serves; a sign-in with none of them is told so instead of meeting refusals.
export const OFFICE_ROLES = ["staff", "team_leader", "manager", "admin", "safeguarding"];

addScreen({ path: "triage", title: "Triage", render: renderTriage, stop: stopTriage });
addScreen({ path: "rules", title: "Routing rules", roles: ["admin"], render: renderRules });
addScreen({ path: "dispatch", title: "Dispatch board", roles: ["team_leader", "manager", "admin"], render: renderDispatch });
addScreen({ path: "flytipping", title: "Fly-tipping return", render: renderFlyTippingReturn });
addScreen({ path: "outcomes", title: "Outcomes", render: renderOutcomes, stop: stopOutcomes });
addScreen({ path: "wards", title: "Ward figures", render: renderWardView });

const main = document.getElementById("main");
const who = document.getElementById("who");

async function signOut() {
  stopScreens();
  await signOutAndForget();
  history.replaceState(null, "", location.pathname); // whoever signs in next starts at the triage queue
  toast("Signed out.");
  show();
}

export async function show() {
  const session = await staffSession();
  // The councillors' ward view is open data: shown to anyone, signed in with an office role or not.
  if (location.hash === "#/wards" && (!session || session.expired || !session.roles.some((r) => OFFICE_ROLES.includes(r)))) {
    stopScreens();
    hideBar();
    document.title = "Ward figures · Report IT · Wigan Council";
    return renderWardView(freshScreen());
  }
  if (!session || session.expired) {
    mount(who);
    hideBar();
    return renderSignIn(freshScreen(), { onSignedIn: show, message: session ? "Your sign-in has expired. Sign in again." : null });
  }
  mount(who, h("span", {}, `Signed in as ${session.name}`),
    h("button", { type: "button", onclick: signOut }, "Sign out"));
  if (!session.roles.some((role) => OFFICE_ROLES.includes(role))) {
    mount(main, h("h1", {}, "Triage"),
      h("p", { class: "notice warn", role: "alert" }, "This account has no office role (staff, team leader, manager, admin or safeguarding). Ask your manager for one."));
    return;
  }
  const screen = screenFor(location.hash);
  stopScreens();
  drawBar(screen, session);
  document.title = `${screen.title} · Report IT office · Wigan Council`;
  return screen.render(freshScreen(), { session });
}

// Each screen draws into a box of its own: a screen still loading when the officer moves on (a slow queue, a click
// on the bar during sign-in) then finishes into a box no longer on the page, instead of over the screen now shown.
function freshScreen() {
  const box = h("div", { class: "screen", tabindex: "-1" });
  main.replaceChildren(box);
  return box;
}

async function start() {
  if (isSignInReturn()) {
    const session = await finishSignIn();
    if (session) toast(`Signed in as ${session.name}.`);
  }
  // The shared sign-in leaves the field app's screen name in the address, which is none of the office's.
  if (location.hash && !isOfficeAddress(location.hash)) history.replaceState(null, "", location.pathname);
  window.addEventListener("hashchange", show);
  await show();
  document.body.dataset.ready = "1";
}

start();
