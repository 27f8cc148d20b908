// What the outcomes screens read, and the small words they show it in: periods, names, downloads.

import { ApiError } from "/app/js/api.js";
import { h } from "/app/js/dom.js";
import { currentToken, words } from "./office-api.js";

export function monthOf(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

export function defaultPeriod(now = new Date()) {
  const from = new Date(now.getFullYear(), now.getMonth() - 11, 1);
  return { from: monthOf(from), to: monthOf(now) };
}

export function monthsBetween(from, to) {
  const out = [];
  let [year, month] = from.split("-").map(Number);
  while (`${year}-${String(month).padStart(2, "0")}` <= to && out.length < 120) {
    out.push(`${year}-${String(month).padStart(2, "0")}`);
    [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
  return out;
}

export function placeName(code, what = "footprint") {
  if (code === "") return `Not placed in a ${what}`;
  const text = words(code);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function query(params) {
  return new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined)).toString();
}

export function share(value) {
  return value === null || value === undefined ? null : `${Math.round(value * 1000) / 10}%`;
}

// A link that downloads with the officer's token (the API refuses a plain link without one).
export function downloadLink(path, text, filename) {
  const link = h("a", { href: path }, text);
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    const token = await currentToken();
    const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {}, cache: "no-store" });
    if (!response.ok) {
      link.after(h("span", { class: "error-text", role: "alert" }, ` The download was refused (${response.status}).`));
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const save = h("a", { href: url, download: filename });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  return link;
}

export function failureText(failure) {
  return failure instanceof ApiError ? failure.message : "The figures could not be read. Check the connection and try again.";
}
