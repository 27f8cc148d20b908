// Signing in to the office: with the council's identity provider where one is configured (the field app's
// authorization code + PKCE module), otherwise by pasting a development token, as on the embedded default.

import { describeToken, loadConfig, request, saveStaffSession } from "/app/js/api.js";
import { startSignIn, takeSignInProblem } from "/app/js/council-sign-in.js";
import { focusHeading, h, mount } from "/app/js/dom.js";

function withProvider(main, signIn, message) {
  const problem = takeSignInProblem();
  const error = h("p", { class: "error-text", role: "alert" }, problem || "");
  const button = h("button", { type: "button", class: "btn big" }, "Sign in with the council");
  button.addEventListener("click", async () => {
    error.textContent = "";
    button.disabled = true;
    try {
      // Made while the provider could not be reached: it may be back by now.
      const current = signIn.token_endpoint ? signIn : (await loadConfig({ fresh: true })).sign_in || signIn;
      await startSignIn(current);
    } catch (failure) {
      error.textContent = failure.message;
      button.disabled = false;
    }
  });
  return [
    message && !problem ? h("p", { class: "notice warn" }, message) : null,
    error,
    h("p", {}, "Sign in with your council account. You will come back to the triage queue."),
    button,
  ];
}

function withToken(main, onSignedIn, message) {
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
      session = describeToken(input.value);
    } catch {
      error.textContent = "That is not a sign-in token. Copy the whole token and try again.";
      input.focus();
      return;
    }
    try {
      await request("/v1/categories", { token: session.token, timeoutMs: 8000 });
    } catch (failure) {
      error.textContent = failure.status === 401 ? `The server does not accept that token: ${failure.message}` : failure.message;
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
  const body = config.sign_in ? withProvider(main, config.sign_in, message) : withToken(main, onSignedIn, message);
  mount(main, h("div", { class: "sign-in" }, h("h1", {}, "Office sign in"), body));
  focusHeading(main);
}
