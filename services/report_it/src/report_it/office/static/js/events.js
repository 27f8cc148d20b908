// Arrivals in the general queue as they happen: Report IT's server-sent events, read with fetch (EventSource cannot
// send the staff token), resumed after a dropped connection from the last event seen (Last-Event-ID).

import { currentToken } from "./office-api.js";

function parse(block) {
  const event = { type: "message", data: "", id: null, retry: null };
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue; // a comment: the server saying it is still there
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event.type = value;
    else if (field === "data") event.data += (event.data ? "\n" : "") + value;
    else if (field === "id") event.id = value;
    else if (field === "retry") event.retry = Number(value);
  }
  return event;
}

// Calls onArrival(item) for each report entering the queue after `since`; onState("live" | "reconnecting").
// Returns a function that stops watching.
export function watchArrivals({ since, onArrival, onState = () => {} }) {
  let stopped = false;
  let controller = null;
  let lastId = null;
  let retryMs = 3000;

  async function readOnce() {
    controller = new AbortController();
    const headers = { Accept: "text/event-stream", Authorization: `Bearer ${await currentToken()}` };
    if (lastId) headers["Last-Event-ID"] = lastId;
    const query = lastId ? "" : `?since=${encodeURIComponent(since)}`;
    const response = await fetch(`/v1/triage/events${query}`, { headers, signal: controller.signal, cache: "no-store" });
    if (!response.ok) throw new Error(`The event stream answered ${response.status}.`);
    onState("live");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = parse(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event.retry) retryMs = event.retry;
        if (event.id) lastId = event.id;
        if (event.type === "arrival" && event.data) onArrival(JSON.parse(event.data));
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await readOnce();
      } catch {
        // dropped, refused or offline: try again after the server's retry interval
      }
      if (stopped) return;
      onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  })();

  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}
