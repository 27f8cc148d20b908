// Report IT as the office calls it: the field app's request() with the staff token as it is now (renewed first
// when it is about to run out), and the words officers see for a status or a priority.

import { request, staffSession } from "/app/js/api.js";

export async function currentToken() {
  const session = await staffSession();
  return session ? session.token : null;
}

export async function api(path, options = {}) {
  return request(path, { ...options, token: await currentToken() });
}

export function newKey() {
  return crypto.randomUUID();
}

// A report stays in the queue while it is new (submitted) or reopened and not yet passed back to the team.
export function inQueue(item) {
  return item.status === "submitted" || item.reopened;
}

export const CLOSING_STATUSES = ["not_council_responsibility", "duplicate", "no_further_action", "unable_to_locate", "cancelled"];
export const PRIORITIES = ["low", "normal", "high", "urgent"];

export function words(code) {
  return code ? code.replace(/_/g, " ") : "";
}
