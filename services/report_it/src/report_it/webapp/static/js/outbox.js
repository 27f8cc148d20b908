// The outbox: every change is first saved on the phone, then sent, each with its own idempotency key.
// A change leaves the outbox only when the server has accepted it (or the person discards it), so nothing is
// lost; the key makes a resend after a lost answer a replay on the server, so nothing is applied twice. Every
// service answers a resent key with the first answer, so no service needs a case of its own here.
// Worker-safe: the page and the service worker (Background Sync) both flush it, one at a time (Web Locks).

import { ApiError, isNetworkFailure, request, staffSession } from "./api.js";
import { all, atomically, get, MINE, OUTBOX, put, remove } from "./db.js";

const CHANNEL = "deal-outbox";
const LOCK = "deal-outbox-flush";
const sender = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;

export const WAITING = "waiting";
export const REJECTED = "rejected"; // the server refused it: shown with the reason, kept until fixed or discarded
export const CONFLICT = "conflict"; // someone else changed the same thing meanwhile
export const NEEDS_SIGN_IN = "needs_sign_in";

// Also said when what My reports shows changes without the outbox moving (signing out clears it).
export function notify() {
  if (sender) sender.postMessage({ type: "outbox-changed" });
}

export function onOutboxChange(callback) {
  if (typeof BroadcastChannel !== "function") return () => {};
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event) => event.data && event.data.type === "outbox-changed" && callback();
  return () => channel.close();
}

export function newKey() {
  return crypto.randomUUID();
}

// kind: "report" (a new report: kept in My reports once sent) or any other request to replay as it is.
export async function enqueue({ kind, label, method = "POST", path, json, photos = [], staff = false, meta = {} }) {
  const item = {
    key: newKey(),
    kind,
    label,
    method,
    path,
    json,
    photos,
    staff,
    meta,
    created_at: new Date().toISOString(),
    state: WAITING,
    attempts: 0,
    last_error: null,
  };
  await put(OUTBOX, item);
  notify();
  return item;
}

export async function pending() {
  const items = await all(OUTBOX);
  return items.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

export async function discard(key) {
  await remove(OUTBOX, key);
  notify();
}

// The server took this for a repeat of a report just sent (409 PossibleRepeat); the person says it is another
// problem: send it again, saying so.
export async function confirmRepeat(key) {
  const item = await get(OUTBOX, key);
  if (!item) return;
  await put(OUTBOX, { ...item, json: { ...item.json, repeat_confirmed: true }, state: WAITING, last_error: null, problem: null });
  notify();
}

export async function retry(key) {
  const item = await get(OUTBOX, key);
  if (!item) return;
  await put(OUTBOX, { ...item, state: WAITING, last_error: null });
  notify();
}

function body(item) {
  if (!item.photos || item.photos.length === 0) return item.json;
  // Multipart: the JSON in one part (`report`, or meta.part e.g. `update`), the photos in `photos` (or meta.photo_field).
  const form = new FormData();
  form.append(item.meta.part || "report", JSON.stringify(item.json));
  item.photos.forEach((photo, index) => form.append(item.meta.photo_field || "photos", photo, `photo-${index + 1}.jpg`));
  return form;
}

function afterSent(item, data, setStore) {
  if (item.kind === "report") {
    setStore(MINE).put({
      id: data.id,
      reference: data.reference,
      tracking_token: data.tracking_token,
      category: data.category,
      category_name: data.category_name,
      status: data.status,
      status_group: data.status_group,
      description: data.description,
      location: data.location,
      created_at: data.created_at,
      updated_at: data.updated_at,
      by_staff: item.staff,
      outbox_key: item.key,
    });
  }
  setStore(OUTBOX).delete(item.key);
}

async function sendOne(item) {
  let token;
  if (item.staff) {
    const session = await staffSession();
    // A sign-in that could not be renewed for want of a connection is renewed once there is one: keep waiting.
    if (session && session.stale) return "offline";
    if (!session || session.expired) {
      await put(OUTBOX, { ...item, state: NEEDS_SIGN_IN, last_error: "Sign in again to send this." });
      return "held";
    }
    token = session.token;
  }
  await put(OUTBOX, { ...item, attempts: item.attempts + 1 });
  try {
    const { data } = await request(item.path, {
      method: item.method,
      body: body(item),
      headers: { "Idempotency-Key": item.key, ...(item.meta.headers || {}) },
      token,
      timeoutMs: 90000,
    });
    await atomically([OUTBOX, MINE], (store) => afterSent(item, data || {}, store));
    return "sent";
  } catch (error) {
    const latest = (await get(OUTBOX, item.key)) || item;
    if (isNetworkFailure(error)) {
      await put(OUTBOX, { ...latest, last_error: "Not sent yet: no connection." });
      return "offline";
    }
    const status = error.status;
    const code = error.problem && error.problem.code;
    let state = REJECTED;
    if (status === 401) state = NEEDS_SIGN_IN;
    // The first attempt with this key is still being worked on: it is sent again shortly, and then answered.
    else if (code === "IdempotencyKeyInFlight") state = WAITING;
    // For a booking, 409 means no places or no entitlement left: a refusal with its reason, not a clash.
    else if ((status === 409 && !item.meta.conflict_is_refusal) || status === 412) state = CONFLICT;
    else if (status >= 500 || status === 429 || status === 408) state = WAITING;
    await put(OUTBOX, { ...latest, state, last_error: error.message, problem: error.problem || null });
    return state === WAITING ? "later" : "held";
  }
}

// Runs `work` while no flush runs, here or in the service worker (signing out must not race a send).
export async function withLock(work) {
  const locks = globalThis.navigator && globalThis.navigator.locks;
  if (locks && typeof locks.request === "function") return locks.request(LOCK, work);
  return work();
}

// Send what waits, oldest first; stop at the first sign of no connection. Returns what happened.
export async function flush() {
  return withLock(async () => {
    const outcome = { sent: 0, held: 0, offline: false };
    for (const item of await pending()) {
      if (item.state !== WAITING) {
        outcome.held += 1;
        continue;
      }
      const result = await sendOne(item);
      if (result === "sent") outcome.sent += 1;
      else if (result === "offline" || result === "later") {
        outcome.offline = result === "offline";
        break;
      } else outcome.held += 1;
      notify();
    }
    notify();
    return outcome;
  });
}

export { ApiError };
