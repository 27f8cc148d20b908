// The two ways staff sign in, shared by the field app and the office: the council's identity provider (one button,
// off to its sign-in page and back) and, on the embedded default only, a pasted development token.

import { describeToken, loadConfig, request } from "./api.js";
import { startSignIn, takeSignInProblem } from "./council-sign-in.js";
import { h } from "./dom.js";

// The provider's button with its error line and intro; a problem left by a failed return wins over `message`.
export function councilSignInParts(signIn, { message = null, intro }) {
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
  return [message && !problem ? h("p", { class: "notice warn" }, message) : null, error, h("p", {}, intro), button];
}

export class TokenRefused extends Error {}

// A pasted token as a staff session, or TokenRefused saying why. `offlineOk`: when the server cannot be reached the
// token is kept, and the server checks it when things are sent (the field app works offline; the office does not).
export async function sessionFromPastedToken(text, { offlineOk }) {
  let session;
  try {
    session = describeToken(text);
  } catch {
    throw new TokenRefused("That is not a sign-in token. Copy the whole token and try again.");
  }
  if (session.exp && session.exp * 1000 < Date.now()) throw new TokenRefused("That token has expired. Ask for a new one.");
  try {
    // Any authenticated read proves the server accepts the token.
    await request("/v1/categories", { token: session.token, timeoutMs: 8000 });
  } catch (failure) {
    if (failure.status === 401) throw new TokenRefused(`The server does not accept that token: ${failure.message}`);
    if (!offlineOk) throw new TokenRefused(failure.message);
  }
  return session;
}
