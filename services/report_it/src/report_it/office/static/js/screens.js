// The office's screens and the bar that moves between them: each screen has an address (#/rules ...), the roles it
// is offered to, and its render function; the first screen is the one shown when the address names none.

import { h, mount } from "/app/js/dom.js";

const screens = [];

// `roles`: shown in the bar to these roles only (an officer who types the address is answered by the server).
export function addScreen({ path, title, roles = null, render, stop = () => {} }) {
  screens.push({ path, title, roles, render, stop });
}

export function isOfficeAddress(hash) {
  return screens.some((s) => hash === `#/${s.path}`);
}

export function screenFor(hash) {
  return screens.find((s) => hash === `#/${s.path}`) || screens[0];
}

export function stopScreens() {
  for (const screen of screens) screen.stop();
}

function bar() {
  let nav = document.getElementById("office-nav");
  if (!nav) {
    nav = h("nav", { id: "office-nav", class: "office-nav", "aria-label": "Office screens" });
    document.querySelector("header.bar").after(nav);
  }
  return nav;
}

export function drawBar(current, session) {
  const offered = screens.filter((s) => s === current || !s.roles || s.roles.some((r) => session.roles.includes(r)));
  mount(bar(), h("ul", {}, offered.map((s) => h("li", {},
    h("a", { href: `#/${s.path}`, "aria-current": s === current ? "page" : null }, s.title)))));
}

export function hideBar() {
  const nav = document.getElementById("office-nav");
  if (nav) nav.replaceChildren();
}
