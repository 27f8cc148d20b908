// Talking to Report IT: JSON requests with timeouts (one bar of signal), problem details, the staff token.
// Worker-safe: no DOM here, the service worker imports it too.

import { describeToken } from "./claims.js";
import { get, put, SETTINGS } from "./db.js";
import { forgetTokens, refreshIfDue } from "./provider-tokens.js";

export { describeToken };

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem || {};
  }
}

// A request that could not reach the server at all (offline, timed out): worth retrying later.
export function isNetworkFailure(error) {
  return !(error instanceof ApiError);
}

export async function request(path, { method = "GET", body, headers = {}, token, trackingToken, timeoutMs = 20000 } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const all = { Accept: "application/json", ...headers };
  if (token) all.Authorization = `Bearer ${token}`;
  if (trackingToken) all["X-Tracking-Token"] = trackingToken;
  if (body && !(body instanceof FormData) && typeof body !== "string") {
    all["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  try {
    const response = await fetch(path, { method, body, headers: all, signal: controller.signal, cache: "no-store" });
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { detail: text.slice(0, 200) };
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return { data, response };
  } finally {
    clearTimeout(timer);
  }
}

export async function staffSession() {
  // A sign-in through the council's provider is renewed shortly before it runs out, by whoever asks first.
  const session = await refreshIfDue(await get(SETTINGS, "staff"));
  if (!session) return null;
  const ended = Boolean(session.exp && session.exp * 1000 < Date.now());
  // A council sign-in whose access token ran out where it could not be renewed (no signal) still stands: the staff
  // screens keep working from what the phone kept, and the token is renewed once there is a connection.
  return { ...session, expired: ended && !session.refresh_token, stale: ended && Boolean(session.refresh_token) };
}

export async function saveStaffSession(session) {
  await put(SETTINGS, session, "staff");
}

export async function signOut() {
  await forgetTokens();
}

let configPromise;
// `fresh`: ask the server again (e.g. the identity provider could not be reached when the config was made).
export function loadConfig({ fresh = false } = {}) {
  if (!configPromise || fresh) {
    configPromise = request("/app/config.json", { timeoutMs: 5000 })
      .then(async ({ data }) => {
        await put(SETTINGS, data, "config");
        return data;
      })
      .catch(async () => (await get(SETTINGS, "config")) || { tiles: null, centre: { lat: 53.545, long: -2.632 }, api: {} });
  }
  return configPromise;
}

// Categories differ for staff (staff-only ones); each audience's list is kept on the phone for offline use.
export async function loadCategories(token) {
  const key = token ? "categories:staff" : "categories:public";
  try {
    const { data } = await request("/v1/categories", { token, timeoutMs: 8000 });
    // The staff list (with staff-only categories) is kept only while signed in; signing out drops it.
    if (!token || (await staffSession())) await put(SETTINGS, data, key);
    return data;
  } catch (error) {
    const kept = await get(SETTINGS, key);
    if (kept) return kept;
    throw error;
  }
}
