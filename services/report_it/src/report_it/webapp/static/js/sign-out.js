// Signing out: the next person to hold the phone finds nothing of the staff member's work on it. Not the reports
// they logged (a safeguarding concern's text), not the cases, caseloads, timelines, templates or bookings kept for
// offline use, not the staff-only categories, not the photos the staff screens showed, not what still waits to be
// sent as them (it could not be sent once they are signed out). A resident's own reports, the app's settings and
// the map tiles stay.

import { signOut } from "./api.js";
import { ASK_WHO } from "./council-sign-in.js";
import { all, atomically, keys, MINE, OUTBOX, put, SETTINGS } from "./db.js";
import { notify, pending, withLock } from "./outbox.js";

// The settings a resident's own use keeps; every other one came from a signed-in screen.
const RESIDENT_SETTINGS = new Set(["config", "categories:public"]);

// What would be lost: staff items not sent yet (waiting, refused or held for a sign-in).
export async function unsentStaffItems() {
  return (await pending()).filter((item) => item.staff);
}

export async function signOutAndForget() {
  await signOut(); // first, so nothing more is sent or kept as this person
  await withLock(forgetStored); // after any send in flight, whose answer would otherwise land in My reports
  // The council's provider may still remember who signed in on this phone: the next sign-in asks who it is.
  await put(SETTINGS, true, ASK_WHO);
  await forgetCachedAnswers();
  notify(); // My reports, open in another tab, repaints without them
}

async function forgetStored() {
  const settings = (await keys(SETTINGS)).filter((key) => !RESIDENT_SETTINGS.has(key));
  const reports = (await all(MINE)).filter((report) => report.by_staff);
  const items = await unsentStaffItems();
  await atomically([SETTINGS, MINE, OUTBOX], (store) => {
    settings.forEach((key) => store(SETTINGS).delete(key));
    reports.forEach((report) => store(MINE).delete(report.id));
    items.forEach((item) => store(OUTBOX).delete(item.key));
  });
}

// The service worker keeps the API's photos it has shown (a case's photos among them): drop every API answer it
// kept, whichever cache holds it. The app's files and the map tiles are not from the API and stay.
async function forgetCachedAnswers() {
  if (typeof caches === "undefined") return;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    const fromApi = (await cache.keys()).filter((kept) => {
      const url = new URL(kept.url);
      return url.origin === location.origin && url.pathname.startsWith("/v1/");
    });
    await Promise.all(fromApi.map((kept) => cache.delete(kept)));
  }
}
