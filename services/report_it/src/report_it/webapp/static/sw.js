// The service worker: keeps the app shell for offline use and sends the outbox when the connection returns
// (Background Sync), even with the app closed. The server fills in the version and the file list, so any
// change to the shell gives a new worker, a fresh cache, and the old cache is dropped.

import { flush } from "./js/outbox.js";

const VERSION = "__SHELL_VERSION__";
const SHELL = ["__SHELL_FILES__"];
const SHELL_CACHE = `shell-${VERSION}`;
const RUNTIME_CACHE = "runtime-v1";
const RUNTIME_LIMIT = 300;
const scope = new URL(self.registration.scope);

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll(["./", ...SHELL.filter((f) => f !== "index.html"), "config.json"].map((f) => new URL(f, scope)));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("shell-") && n !== SHELL_CACHE).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

async function trim(cache) {
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - RUNTIME_LIMIT)).map((k) => cache.delete(k)));
}

// Network first with a short wait (one bar of signal), then what we kept.
async function networkFirst(request, cacheName, waitMs) {
  const cache = await caches.open(cacheName);
  try {
    const response = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error("slow")), waitMs)),
    ]);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request);
    if (kept) return kept;
    throw error;
  }
}

async function cacheFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  const private_ = (response.headers.get("Cache-Control") || "").includes("no-store");
  // Opaque (no-CORS) answers are never kept: browsers count each as megabytes against the storage quota.
  if (response.ok && !private_) {
    await cache.put(request, response.clone());
    trim(cache);
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  const inApp = url.origin === scope.origin && url.pathname.startsWith(scope.pathname);
  if (request.mode === "navigate" && inApp) {
    // Every screen is the one page: serve the kept shell at once, so the app opens with no signal.
    event.respondWith(caches.match(new URL("./", scope)).then((kept) => kept || fetch(request)));
    return;
  }
  if (inApp && url.pathname.endsWith("/config.json")) {
    event.respondWith(networkFirst(request, SHELL_CACHE, 3000));
    return;
  }
  if (inApp) {
    event.respondWith(caches.match(request).then((kept) => kept || cacheFirst(request, RUNTIME_CACHE)));
    return;
  }
  // Photos never change under their id; map tiles rarely do: keep what was seen for the next time offline.
  const isPhoto = url.origin === scope.origin && url.pathname.startsWith("/v1/photos/");
  const isTile = /\/\d+\/\d+\/\d+(@2x)?\.(png|jpg|jpeg|webp)$/.test(url.pathname);
  if ((isPhoto && !request.headers.has("X-Tracking-Token")) || isTile) {
    event.respondWith(cacheFirst(request, RUNTIME_CACHE));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") {
    event.waitUntil(
      flush().then((outcome) => {
        // Throwing makes the browser try again later, with its own backoff.
        if (outcome.offline) throw new Error("still offline");
      }),
    );
  }
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "flush") event.waitUntil(flush());
});
