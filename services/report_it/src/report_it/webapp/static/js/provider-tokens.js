// The tokens of a sign-in through the council's identity provider: made from the provider's answer, renewed with
// the refresh token shortly before the access token runs out, and forgotten on signing out. Worker-safe: the
// outbox asks for a session in the service worker too.
//
// The provider turns a refresh token into a new one each time it is used (Entra ID does, as does the test
// stand-in), and the old one then stops working: so one renewal at a time, here or in the worker (Web Locks), and
// a renewal whose session changed meanwhile (renewed elsewhere, signed out) is thrown away.

import { describeToken } from "./claims.js";
import { get, put, remove, SETTINGS } from "./db.js";

const LOCK = "deal-staff-token";
// Renew this long before the access token runs out, so a request sent just before never arrives with a dead token.
const RENEW_AHEAD_S = 120;
// After a renewal that could not reach the provider, wait this long before trying again (each screen asks).
const RETRY_AFTER_MS = 10000;
const TIMEOUT_MS = 10000;

let lastFailure = 0;

export class ProviderError extends Error {
  constructor(message, { code = null, reachable = true } = {}) {
    super(message);
    this.code = code;
    this.reachable = reachable;
  }
}

async function withTokenLock(work) {
  const locks = globalThis.navigator && globalThis.navigator.locks;
  if (locks && typeof locks.request === "function") return locks.request(LOCK, work);
  return work();
}

// POST a form to the token endpoint as a public client: the client id, no secret.
export async function tokenRequest(tokenEndpoint, form) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(tokenEndpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(form),
      signal: controller.signal,
      cache: "no-store",
    });
  } catch {
    throw new ProviderError("The council's sign-in service cannot be reached.", { reachable: false });
  } finally {
    clearTimeout(timer);
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok || !answer.access_token) {
    const detail = answer.error_description || answer.error || `it answered ${response.status}`;
    // A provider that is there but failing (5xx) is treated as one that cannot be reached: try again later.
    throw new ProviderError(`The council's sign-in service refused: ${detail}.`, {
      code: answer.error || null,
      reachable: response.status < 500,
    });
  }
  return answer;
}

// The staff session the app keeps, from the provider's answer; where to renew it travels with it, so a renewal
// needs neither the app's config nor a connection to Report IT.
export function sessionFrom(answer, { tokenEndpoint, clientId, previous = null }) {
  const session = describeToken(answer.access_token);
  const exp = session.exp || (answer.expires_in ? Math.floor(Date.now() / 1000) + Number(answer.expires_in) : null);
  return {
    ...session,
    exp,
    refresh_token: answer.refresh_token || (previous && previous.refresh_token) || null,
    id_token: answer.id_token || (previous && previous.id_token) || null,
    token_endpoint: tokenEndpoint,
    client_id: clientId,
    via: "council",
  };
}

function renewalDue(session) {
  return Boolean(session && session.refresh_token && session.exp && session.exp - RENEW_AHEAD_S < Date.now() / 1000);
}

async function renew(session) {
  return withTokenLock(async () => {
    const current = await get(SETTINGS, "staff");
    // Renewed by someone else meanwhile, or signed out: their outcome stands.
    if (!current || current.refresh_token !== session.refresh_token || !renewalDue(current)) return current || null;
    try {
      const answer = await tokenRequest(current.token_endpoint, {
        grant_type: "refresh_token",
        refresh_token: current.refresh_token,
        client_id: current.client_id,
      });
      const renewed = sessionFrom(answer, { tokenEndpoint: current.token_endpoint, clientId: current.client_id, previous: current });
      await put(SETTINGS, renewed, "staff");
      return renewed;
    } catch (error) {
      if (!error.reachable) {
        lastFailure = Date.now();
        return current;
      }
      // The provider says no (the refresh token ran out or was revoked): the person signs in again when it ends.
      const spent = { ...current, refresh_token: null };
      await put(SETTINGS, spent, "staff");
      return spent;
    }
  });
}

// The session as it should be used now: renewed first if it is about to run out and can be.
export async function refreshIfDue(session) {
  if (!renewalDue(session) || Date.now() - lastFailure < RETRY_AFTER_MS) return session || null;
  return renew(session);
}

// Signing out: after any renewal in flight, which would otherwise put the tokens back.
export async function forgetTokens() {
  await withTokenLock(() => remove(SETTINGS, "staff"));
}
