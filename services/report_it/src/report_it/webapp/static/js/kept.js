// Staff data kept on the phone: online, ask the server and keep the answer; offline, the kept answer with when it
// was kept. Also the signed-in check every staff screen starts with.

import { ApiError, request, staffSession } from "./api.js";
import { get, put, SETTINGS } from "./db.js";

// `load` is a path (or a full URL of another service) or a function returning the data.
export async function fetchKept(key, load, token) {
  try {
    const data = typeof load === "function" ? await load() : (await request(load, { token, timeoutMs: 10000 })).data;
    // An answer that arrives after signing out is shown no more and must not be kept for the next person.
    if (await staffSession()) await put(SETTINGS, { data, at: new Date().toISOString() }, key);
    return { data, at: null };
  } catch (error) {
    // A refusal (not found, not allowed) is an answer, not a reason to show stale data.
    if (error instanceof ApiError && error.status !== 408 && error.status < 500) throw error;
    const kept = await get(SETTINGS, key);
    if (!kept) throw error;
    return kept;
  }
}

export async function requireSession(navigate) {
  const session = await staffSession();
  if (!session || session.expired) {
    navigate("#/staff");
    return null;
  }
  return session;
}
