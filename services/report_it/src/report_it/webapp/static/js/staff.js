// Staff: sign in (the council's identity provider in production; a pasted development token in the embedded
// default), then log street issues, work the caseload (from Footprints where configured) and book volunteering days.

import { loadConfig, saveStaffSession, staffSession } from "./api.js";
import { councilSignInParts, sessionFromPastedToken, TokenRefused } from "./sign-in-parts.js";
import { focusHeading, formatDate, h, mount, toast, uid } from "./dom.js";
import { signOutAndForget, unsentStaffItems } from "./sign-out.js";

// With the council's identity provider configured: one big button, off to the provider's sign-in page and back.
function councilSignIn(main, signIn, message) {
  const intro = "Sign in with your council account. You will come back here once you are signed in.";
  mount(main, h("h1", {}, "Staff sign in"), ...councilSignInParts(signIn, { message, intro }));
  focusHeading(main);
}

async function signInScreen(main, navigate, message) {
  const config = await loadConfig();
  if (config.sign_in) return councilSignIn(main, config.sign_in, message);
  return signInForm(main, navigate, message);
}

function signInForm(main, navigate, message) {
  const id = uid("token");
  const error = h("p", { class: "error-text", id: `${id}-error`, role: "alert" });
  const input = h("textarea", { id, name: "token", rows: 4, autocomplete: "off", spellcheck: "false", "aria-describedby": `${id}-hint ${id}-error` });
  const form = h(
    "form",
    { novalidate: true },
    h("div", { class: "field" },
      h("label", { for: id }, "Sign-in token"),
      h("p", { class: "hint", id: `${id}-hint` }, "Paste the staff token you were given. On the embedded default, `make run` prints a demo token."),
      error,
      input),
    h("button", { type: "submit", class: "btn big" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    let session;
    try {
      session = await sessionFromPastedToken(input.value, { offlineOk: true });
    } catch (failure) {
      if (!(failure instanceof TokenRefused)) throw failure;
      error.textContent = failure.message;
      input.focus();
      return;
    }
    await saveStaffSession(session);
    toast(`Signed in as ${session.name}.`);
    navigate("#/staff");
  });
  mount(
    main,
    h("h1", {}, "Staff sign in"),
    message ? h("p", { class: "notice warn" }, message) : null,
    h("p", {}, "In production you sign in with your council account; this screen is for the embedded default."),
    form,
  );
  focusHeading(main);
}

// Staff items not sent yet cannot be sent once signed out, and are not left behind: say so before dropping them.
function unsentWarning(items) {
  const one = items.length === 1;
  const labels = items.map((item) => item.label || "Report").join("; ");
  return `${items.length} staff item${one ? " has" : "s have"} not been sent: ${labels}. `
    + `Signing out deletes ${one ? "it" : "them"} from this phone and ${one ? "it" : "they"} will not be sent. Sign out anyway?`;
}

async function signOutHere(navigate) {
  const unsent = await unsentStaffItems();
  if (unsent.length && !confirm(unsentWarning(unsent))) return;
  toast("Signing out…");
  await signOutAndForget();
  toast("Signed out. Your staff work has been removed from this phone.");
  navigate("#/staff");
}

export async function renderStaff(main, { navigate }) {
  const session = await staffSession();
  if (!session) return signInScreen(main, navigate);
  if (session.expired) return signInScreen(main, navigate, "Your sign-in has expired. Sign in again; anything waiting to send is kept.");
  const config = await loadConfig();
  // A council sign-in renews itself, so its access token's end is not the end of the sign-in.
  const until = session.exp && !session.refresh_token ? `, until ${formatDate(new Date(session.exp * 1000).toISOString())}.` : ".";
  const isStaff = session.roles.some((r) => ["staff", "team_leader", "manager", "admin", "safeguarding"].includes(r));
  mount(
    main,
    h("h1", {}, "Staff"),
    h("p", {}, `Signed in as ${session.name}`, session.roles.length ? ` (${session.roles.join(", ")})` : "", until),
    isStaff ? null : h("p", { class: "notice warn" }, "This token has no staff role: staff-only categories are not offered."),
    h("a", { class: "btn big", href: "#/staff/log" }, "Log a street issue"),
    (config.services && config.services.footprints) || (config.api && config.api.team_reports)
      ? h("a", { class: "btn big secondary", href: "#/staff/caseload" }, "My caseload")
      : h("p", { class: "notice" }, "Caseloads are not offered by this server yet."),
    config.services && config.services.volunteering
      ? h("a", { class: "btn big secondary", href: "#/staff/volunteering" }, "My volunteering")
      : null,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: () => signOutHere(navigate) }, "Sign out")),
  );
  focusHeading(main);
}
