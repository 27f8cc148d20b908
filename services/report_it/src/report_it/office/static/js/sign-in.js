// Signing in to the office: with the council's identity provider where one is configured (the field app's
// authorization code + PKCE module), otherwise by pasting a development token, as on the embedded default.

import { loadConfig, saveStaffSession } from "/app/js/api.js";
import { councilSignInParts, sessionFromPastedToken, TokenRefused } from "/app/js/sign-in-parts.js";
import { focusHeading, h, mount } from "/app/js/dom.js";

function withProvider(signIn, message) {
  return councilSignInParts(signIn, { message, intro: "Sign in with your council account. You will come back to the triage queue." });
}

function withToken(onSignedIn, message) {
  const error = h("p", { class: "error-text", id: "token-error", role: "alert" });
  const input = h("textarea", { id: "token", rows: 4, autocomplete: "off", spellcheck: "false", "aria-describedby": "token-hint token-error" });
  const form = h("form", { novalidate: true },
    h("div", { class: "field" },
      h("label", { for: "token" }, "Sign-in token"),
      h("p", { class: "hint", id: "token-hint" }, "In production you sign in with your council account; on the embedded default, paste the staff token `make run` prints."),
      error, input),
    h("button", { type: "submit", class: "btn" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    let session;
    try {
      session = await sessionFromPastedToken(input.value, { offlineOk: false });
    } catch (failure) {
      if (!(failure instanceof TokenRefused)) throw failure;
      error.textContent = failure.message;
      input.focus();
      return;
    }
    await saveStaffSession(session);
    onSignedIn();
  });
  return [message ? h("p", { class: "notice warn" }, message) : null, form];
}

export async function renderSignIn(main, { onSignedIn, message = null }) {
  const config = await loadConfig();
  const body = config.sign_in ? withProvider(config.sign_in, message) : withToken(onSignedIn, message);
  mount(main, h("div", { class: "sign-in" }, h("h1", {}, "Office sign in"), body));
  focusHeading(main);
}
