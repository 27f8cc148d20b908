// The phone's own store (IndexedDB): the outbox of unsent changes, "my reports", and small settings.
// Used by the page and by the service worker, so a report saved here survives closing the app.

const NAME = "deal-field";
const VERSION = 1;
export const OUTBOX = "outbox";
export const MINE = "mine";
export const SETTINGS = "settings";

let opening;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(OUTBOX)) db.createObjectStore(OUTBOX, { keyPath: "key" });
        if (!db.objectStoreNames.contains(MINE)) db.createObjectStore(MINE, { keyPath: "id" });
        if (!db.objectStoreNames.contains(SETTINGS)) db.createObjectStore(SETTINGS);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => {
        opening = undefined;
        reject(request.error);
      };
    });
  }
  return opening;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

function result(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function get(store, key) {
  const db = await openDb();
  return result(db.transaction(store).objectStore(store).get(key));
}

export async function all(store) {
  const db = await openDb();
  return result(db.transaction(store).objectStore(store).getAll());
}

export async function keys(store) {
  const db = await openDb();
  return result(db.transaction(store).objectStore(store).getAllKeys());
}

export async function put(store, value, key) {
  const db = await openDb();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).put(value, key);
  return done(tx);
}

export async function remove(store, key) {
  const db = await openDb();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).delete(key);
  return done(tx);
}

// Several writes that must happen together (e.g. record a sent report and drop it from the outbox).
export async function atomically(stores, work) {
  const db = await openDb();
  const tx = db.transaction(stores, "readwrite");
  work((name) => tx.objectStore(name));
  return done(tx);
}
