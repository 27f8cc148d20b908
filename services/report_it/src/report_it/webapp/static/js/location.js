// Where the problem is: the phone's GPS, then a map pin to drag (Leaflet, loaded only when tiles are configured)
// or, with no map, a plain position picker (numbers and 10-metre nudges) that works with no tiles at all.

import { h, uid } from "./dom.js";

const LEAFLET = "vendor/leaflet-1.9.4/";
const METRES_PER_DEGREE = 111320;
let leafletLoading;

export function loadLeaflet() {
  if (!leafletLoading) {
    leafletLoading = new Promise((resolve, reject) => {
      document.head.append(h("link", { rel: "stylesheet", href: `${LEAFLET}leaflet.css` }));
      const script = h("script", { src: `${LEAFLET}leaflet.js` });
      script.onload = () => resolve(window.L);
      script.onerror = () => reject(new Error("The map could not be loaded."));
      document.head.append(script);
    });
  }
  return leafletLoading;
}

const round = (value) => Math.round(value * 1e6) / 1e6;

export function locationPicker({ config, onChange, initial = null }) {
  let position = initial;
  let map = null;
  let marker = null;
  const ids = { lat: uid("lat"), long: uid("long"), status: uid("where") };
  const status = h("p", { class: "hint", id: ids.status, "aria-live": "polite" }, "Finding your location…");
  const lat = h("input", { id: ids.lat, type: "number", step: "any", inputmode: "decimal", min: "-90", max: "90", name: "lat" });
  const long = h("input", { id: ids.long, type: "number", step: "any", inputmode: "decimal", min: "-180", max: "180", name: "long" });
  const typed = () => {
    const la = parseFloat(lat.value);
    const lo = parseFloat(long.value);
    if (Number.isFinite(la) && Number.isFinite(lo)) set(la, lo, "typed");
  };
  lat.addEventListener("change", typed);
  long.addEventListener("change", typed);

  const nudge = (north, east, label, cls) =>
    h("button", {
      type: "button",
      class: `secondary ${cls}`,
      "aria-label": `Move 10 metres ${label}`,
      onclick: () => {
        const from = position || config.centre;
        const dLat = (north * 10) / METRES_PER_DEGREE;
        const dLong = (east * 10) / (METRES_PER_DEGREE * Math.cos((from.lat * Math.PI) / 180));
        set(from.lat + dLat, from.long + dLong, "nudged");
      },
    }, { n: "↑", s: "↓", e: "→", w: "←" }[cls]);

  const mapBox = config.tiles ? h("div", { class: "map", role: "region", "aria-label": "Map: drag the pin or tap the map to place it" }) : null;
  const picker = h(
    "details",
    { class: "picker", open: !config.tiles },
    h("summary", {}, config.tiles ? "Enter or fine-tune the position" : "Set the position"),
    h("div", { class: "grid2" },
      h("div", {}, h("label", { for: ids.lat }, "Latitude"), lat),
      h("div", {}, h("label", { for: ids.long }, "Longitude"), long)),
    h("p", { class: "hint" }, "Nudge the position:"),
    h("div", { class: "nudge", role: "group", "aria-label": "Nudge the position" },
      nudge(1, 0, "north", "n"), nudge(0, -1, "west", "w"), nudge(0, 1, "east", "e"), nudge(-1, 0, "south", "s")),
  );
  const element = h(
    "fieldset",
    { class: "field", "aria-describedby": ids.status },
    h("legend", {}, "Where is it?"),
    status,
    h("button", { type: "button", class: "secondary", onclick: () => locate() }, "Use my location"),
    mapBox,
    picker,
  );

  function describe(source, accuracy) {
    if (!position) return;
    const where = `${position.lat.toFixed(5)}, ${position.long.toFixed(5)}`;
    const how = {
      gps: `From your phone's location${accuracy ? `, accurate to about ${Math.round(accuracy)} m` : ""}`,
      pin: "Where you placed the pin",
      typed: "As you entered it",
      nudged: "Moved by you",
    }[source] || "Chosen";
    status.textContent = `${how}: ${where}.`;
  }

  function set(la, lo, source, accuracy) {
    position = { lat: round(la), long: round(lo) };
    if (source !== "typed") {
      lat.value = position.lat;
      long.value = position.long;
    }
    if (marker && source !== "pin") marker.setLatLng([position.lat, position.long]);
    if (map && (source === "gps" || source === "typed")) map.setView([position.lat, position.long], 18);
    describe(source, accuracy);
    onChange && onChange(position);
  }

  function locate() {
    if (!("geolocation" in navigator)) {
      status.textContent = "This phone cannot share its location: set the position below.";
      picker.open = true;
      return;
    }
    status.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(
      (fix) => set(fix.coords.latitude, fix.coords.longitude, "gps", fix.coords.accuracy),
      () => {
        status.textContent = position
          ? "Your location is not available; the position below is kept."
          : "Your location is not available: place the pin or set the position below.";
        picker.open = true;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
    );
  }

  async function startMap() {
    if (!mapBox) return;
    try {
      const L = await loadLeaflet();
      const start = position || config.centre;
      map = L.map(mapBox, { zoomControl: true }).setView([start.lat, start.long], position ? 18 : 14);
      L.tileLayer(config.tiles.url, {
        attribution: config.tiles.attribution,
        maxZoom: config.tiles.max_zoom || 19,
        crossOrigin: true, // CORS tiles can be kept by the service worker for offline use
      }).addTo(map);
      marker = L.marker([start.lat, start.long], { draggable: true, keyboard: true, title: "The problem is here", alt: "Pin" }).addTo(map);
      marker.on("dragend", () => {
        const p = marker.getLatLng();
        set(p.lat, p.lng, "pin");
      });
      map.on("click", (event) => {
        marker.setLatLng(event.latlng);
        set(event.latlng.lat, event.latlng.lng, "pin");
      });
    } catch {
      mapBox.remove();
      picker.open = true;
    }
  }

  return {
    element,
    start() {
      startMap();
      if (position) describe("typed");
      else locate();
    },
    position: () => position,
    focus: () => lat.focus(),
  };
}
