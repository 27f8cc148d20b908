// Talking to Report IT: JSON requests with timeouts (one bar of signal), problem details, the staff token.
// Worker-safe: no DOM here, the service worker imports it too.

import { get, put, remove, SETTINGS } from "./db.js";

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

function decodeClaims(token) {
  const part = token.split(".")[1];
  if (!part) throw new Error("That is not a sign-in token: it should have three parts separated by dots.");
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(decodeURIComponent(escape(json)));
}

export function describeToken(token) {
  const claims = decodeClaims(token.trim());
  const roles = Array.isArray(claims.roles) ? claims.roles : String(claims.roles || "").split(" ").filter(Boolean);
  return {
    token: token.trim(),
    subject: claims.sub,
    name: claims.name || claims.sub,
    roles,
    department: claims.department || null,
    exp: claims.exp || null,
  };
}

export async function staffSession() {
  const session = await get(SETTINGS, "staff");
  if (!session) return null;
  const expired = session.exp && session.exp * 1000 < Date.now();
  return { ...session, expired: Boolean(expired) };
}

export async function saveStaffSession(session) {
  await put(SETTINGS, session, "staff");
}

export async function signOut() {
  await remove(SETTINGS, "staff");
}

let configPromise;
export function loadConfig() {
  if (!configPromise) {
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
