// A rebalance of a footprint as a proposal: Footprints solves it and lists its moves (each with its cost and saving,
// and the solver's gap); nothing moves until the officer accepts a move, and a dropped move never happens.

import { h } from "/app/js/dom.js";
import { peer } from "./peers.js";

function metres(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value).toLocaleString("en-GB")} m`;
}

function moveRow(move, open) {
  const who = `${move.from_worker || "waiting"} → ${move.to_worker || "waiting"}${move.lent ? " (lent from another footprint)" : ""}`;
  const choice = open && !move.decision
    ? h("fieldset", { class: "choices inline" }, h("legend", { class: "visually-hidden" }, `Decide: ${move.title}`),
      ["accept", "drop"].map((d) => h("label", { class: "choice" },
        h("input", { type: "radio", name: `move-${move.case_id}`, value: d, "data-case": move.case_id }), d === "accept" ? " Accept" : " Drop")))
    : h("span", {}, move.decision ? `${move.decision}${move.note ? `: ${move.note}` : ""}` : "—");
  return h("tr", { "data-move": move.case_id },
    h("th", { scope: "row" }, move.title), h("td", {}, who), h("td", {}, metres(move.cost_m)),
    h("td", {}, move.saving_m === null ? "was waiting" : metres(move.saving_m)), h("td", {}, choice));
}

// ctx: { footprint() -> code, moved() -> Promise (the board is read again) }; returns the section.
export function rebalancePanel(ctx) {
  const out = h("div", { id: "proposal", "aria-live": "polite" });
  const error = h("p", { class: "error-text", role: "alert", id: "rebalance-error" });
  let proposal = null;

  function draw() {
    if (!proposal) return out.replaceChildren();
    const open = proposal.status === "proposed";
    const gap = proposal.gap === null ? "no bound" : `gap ${(proposal.gap * 100).toFixed(1)}%`;
    const apply = h("button", { type: "button", onclick: decide }, "Apply these decisions");
    out.replaceChildren(
      h("p", { id: "proposal-summary", tabindex: "-1" }, `${proposal.moves.length} move${proposal.moves.length === 1 ? "" : "s"} proposed over ${proposal.case_count} cases; `,
        `total cost ${metres(proposal.objective)} (${proposal.method}, ${proposal.solver_status}, ${gap}). Nothing has moved yet.`),
      proposal.moves.length
        ? h("table", { class: "grid-table", id: "proposal-moves" },
          h("caption", {}, open ? "Accept or drop each move; the ones left undecided stay open." : "Decided"),
          h("thead", {}, h("tr", {}, ["Case", "Move", "Cost", "Saving", "Decision"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, proposal.moves.map((m) => moveRow(m, open))))
        : h("p", {}, "The cases are already where they cost least."),
      open && proposal.moves.length ? apply : null);
  }

  async function decide() {
    error.textContent = "";
    const picked = [...out.querySelectorAll("input[type=radio]:checked")];
    const body = { accept: picked.filter((i) => i.value === "accept").map((i) => i.dataset.case), drop: picked.filter((i) => i.value === "drop").map((i) => i.dataset.case) };
    if (!body.accept.length && !body.drop.length) {
      error.textContent = "Choose Accept or Drop for at least one move.";
      return;
    }
    try {
      ({ data: proposal } = await peer("footprints", `/v1/rebalance-proposals/${proposal.id}/decisions`, { method: "POST", body }));
    } catch (failure) {
      error.textContent = `Not applied: ${failure.message}`;
      return;
    }
    draw();
    await ctx.moved();
    out.querySelector("#proposal-summary").focus();
  }

  const run = h("button", { type: "button", class: "secondary" }, "Propose a rebalance");
  run.addEventListener("click", async () => {
    error.textContent = "";
    run.disabled = true;
    out.replaceChildren(h("p", {}, "Solving…"));
    try {
      ({ data: proposal } = await peer("footprints", "/v1/rebalance-proposals", { method: "POST", body: { footprint_code: ctx.footprint() }, timeoutMs: 60000 }));
      draw();
      out.querySelector("#proposal-summary").setAttribute("tabindex", "-1");
      out.querySelector("#proposal-summary").focus();
    } catch (failure) {
      out.replaceChildren();
      error.textContent = `No proposal: ${failure.message}`;
    } finally {
      run.disabled = false;
    }
  });
  return h("section", { "aria-labelledby": "rebalance-heading" }, h("h2", { id: "rebalance-heading" }, "Rebalance"),
    h("p", { class: "hint" }, "Footprints works out a cheaper spread of the footprint's cases; you decide each move."), run, error, out);
}
