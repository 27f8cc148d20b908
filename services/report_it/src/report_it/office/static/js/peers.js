// The other services as the office calls them straight from the browser (as the field app's caseload does): their
// addresses from the app's config, the staff token as it is now.

import { loadConfig, request } from "/app/js/api.js";
import { currentToken } from "./office-api.js";

export async function peer(service, path, options = {}) {
  const config = await loadConfig();
  const base = config.services && config.services[service];
  if (!base) throw new Error(`This server is not set up to reach ${service}.`);
  return request(`${base}${path}`, { timeoutMs: 20000, ...options, token: await currentToken() });
}
