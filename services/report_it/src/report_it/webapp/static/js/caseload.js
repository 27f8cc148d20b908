// Staff caseload from Footprints: placeholder until Footprints serves caseloads to the app.

import { focusHeading, h, mount } from "./dom.js";

export async function renderCaseload(main) {
  mount(main, h("h1", {}, "My caseload"), h("p", { class: "notice" }, "Caseloads are not available in this app yet."));
  focusHeading(main);
}
