// Signing in with the council's identity provider: OAuth 2.0 authorization code with PKCE (S256), as a public
// client. The app sends the person to the provider with a code challenge, a state and a nonce, and the provider
// sends them back to the app's own address with a code, which the app exchanges at the token endpoint.
// What ties the return to the departure (verifier, state, nonce) waits on the phone meanwhile, for ten minutes.

import { decodeClaims } from "./claims.js";
import { get, put, remove, SETTINGS } from "./db.js";
import { sessionFrom, tokenRequest } from "./provider-tokens.js";

const PENDING = "sign-in:pending";
// Set on signing out: the provider's own session (its cookie) would otherwise sign the next person on a shared
// phone in as the last one without asking.
export const ASK_WHO = "sign-in:ask-who";
const PENDING_FOR_MS = 10 * 60 * 1000;
const RETURN_PARAMS = ["code", "state", "error"];

// Said on the sign-in screen after a return that did not sign anyone in.
let problem = null;

export function takeSignInProblem() {
  const said = problem;
  problem = null;
  return said;
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

// The app's own address, without query or screen: the provider sends the person back here.
export function redirectUri() {
  return new URL("./", location.href.split(/[?#]/)[0]).href;
}

export async function startSignIn(signIn) {
  if (!navigator.onLine) throw new Error("You are offline. Signing in needs a connection: try again when you have signal.");
  if (!signIn.authorization_endpoint || !signIn.token_endpoint) {
    throw new Error("The council's sign-in service cannot be reached just now. Check your signal and try again in a minute.");
  }
  const verifier = randomText();
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const pending = {
    state: randomText(),
    nonce: randomText(),
    verifier,
    issuer: signIn.issuer,
    client_id: signIn.client_id,
    token_endpoint: signIn.token_endpoint,
    redirect_uri: redirectUri(),
    // With openid asked for, the answer must carry an id token naming the nonce; without it, there is none to check.
    expects_id_token: signIn.scopes.includes("openid"),
    started_at: Date.now(),
  };
  await put(SETTINGS, pending, PENDING);
  const target = new URL(signIn.authorization_endpoint);
  const params = {
    response_type: "code",
    client_id: signIn.client_id,
    redirect_uri: pending.redirect_uri,
    scope: signIn.scopes.join(" "),
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  };
  if (await get(SETTINGS, ASK_WHO)) params.prompt = "login";
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  location.assign(target.href);
}

export function isSignInReturn() {
  const params = new URLSearchParams(location.search);
  return RETURN_PARAMS.some((name) => params.has(name));
}

function cancelledOrRefused(params) {
  const error = params.get("error");
  if (error === "access_denied") return "Sign-in was cancelled. Nothing has changed; sign in when you are ready.";
  const detail = params.get("error_description");
  return `The council's sign-in service did not sign you in (${detail || error}). Try again, or ask the IT service desk.`;
}

// The id token came straight from the token endpoint over TLS, so its signature needs no check here (OpenID
// Connect Core 3.1.3.7); what the app must check is that it answers this sign-in, from this provider, for this app.
function idTokenProblem(idToken, pending) {
  if (!idToken && !pending.expects_id_token) return null;
  if (!idToken) return "The council's sign-in service did not say who signed in, so the sign-in was refused. Sign in again.";
  let claims;
  try {
    claims = decodeClaims(idToken);
  } catch {
    return "The council's sign-in service sent an identity the app cannot read.";
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const sameIssuer = String(claims.iss || "").replace(/\/$/, "") === pending.issuer.replace(/\/$/, "");
  if (claims.nonce !== pending.nonce || !audiences.includes(pending.client_id) || !sameIssuer) {
    return "This sign-in was not the one this app started, so it was refused. Sign in again.";
  }
  return null;
}

async function exchange(params, pending) {
  if (!pending || Date.now() - pending.started_at > PENDING_FOR_MS || params.get("state") !== pending.state) {
    throw new Error("This sign-in was not the one this app started (or it took too long), so it was refused. Sign in again.");
  }
  // A provider that names itself on the way back (RFC 9207) must be the one the app sent the person to: a code from
  // another is never sent to this one's token endpoint.
  if (params.has("iss") && params.get("iss").replace(/\/$/, "") !== pending.issuer.replace(/\/$/, "")) {
    throw new Error("This sign-in came back from another sign-in service, so it was refused. Sign in again.");
  }
  let answer;
  try {
    answer = await tokenRequest(pending.token_endpoint, {
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: pending.redirect_uri,
      client_id: pending.client_id,
      code_verifier: pending.verifier,
    });
  } catch (error) {
    throw new Error(error.reachable
      ? `${error.message} Sign in again.`
      : "The council's sign-in service cannot be reached just now. Check your signal and sign in again.");
  }
  const refused = idTokenProblem(answer.id_token, pending);
  if (refused) throw new Error(refused);
  try {
    return sessionFrom(answer, { tokenEndpoint: pending.token_endpoint, clientId: pending.client_id });
  } catch {
    // An access token that is not for the council's API (e.g. the API's scope was not asked for) is not a JWT.
    throw new Error("The council's sign-in service gave this app a token it cannot use. Ask the IT service desk.");
  }
}

// Back from the provider: sign in (or remember why not), forget what the departure left, and tidy the address so a
// reload or the back button does not replay the code. Returns the new session, or null.
export async function finishSignIn() {
  const params = new URLSearchParams(location.search);
  const pending = await get(SETTINGS, PENDING);
  history.replaceState(null, "", `${redirectUri()}#/staff`);
  try {
    if (params.has("error")) throw new Error(cancelledOrRefused(params));
    if (!params.has("code")) throw new Error("The council's sign-in service sent you back without signing you in. Sign in again.");
    const session = await exchange(params, pending);
    await put(SETTINGS, session, "staff");
    await remove(SETTINGS, ASK_WHO);
    return session;
  } catch (error) {
    problem = error.message;
    return null;
  } finally {
    // One departure, one return: a second return with the same state is refused.
    if (pending) await remove(SETTINGS, PENDING);
  }
}
