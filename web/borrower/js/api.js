// The end-user API: its URL from /config.json, the session token, and errors in the API.md shape.

let config = null; // one request for every caller of the page load, however many start at once

export function loadConfig() {
  config ||= fetch("/config.json", { cache: "no-store" }).then((response) => response.json());
  return config;
}

export class ApiError extends Error {
  constructor(status, code, message, fields = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

// fetch, with a network failure as ApiError(0) (`unreachable` names the service) and the body read as JSON: null
// when empty or not JSON (a gateway's or proxy's own error page). The callers (this app's `api`, the admin
// console's `adminApi` and Cognito sign-in) each map a failed status to their own ApiError.
export async function fetchJson(url, init, unreachable) {
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, "network", `${unreachable} cannot be reached. Check your connection and try again.`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  return { response, data };
}

// The token lives in sessionStorage: it survives a reload of this tab but not closing it, is not shared with
// other tabs, and (unlike a cookie) is never sent by the browser on its own, so no cross-site request can use
// it. Script on the page could read it; the CSP (script-src 'self', no inline script) is what prevents that.
const key = (site) => `portal.session.${site}`;
export const session = {
  get: (site) => sessionStorage.getItem(key(site)),
  set: (site, token) => sessionStorage.setItem(key(site), token),
  clear: (site) => sessionStorage.removeItem(key(site)),
};

// Called with the site when an authenticated call answers 401 (expired or revoked session); set by main.js.
let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

// `headers`: extra request headers (the payment's Idempotency-Key).
export async function api(site, method, path, { body, auth = true, query, headers: extra = {} } = {}) {
  const { enduser_api: base } = await loadConfig();
  const url = new URL(`${base}/sites/${encodeURIComponent(site)}${path}`);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null) url.searchParams.set(k, v);
  const headers = { ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = auth ? session.get(site) : null;
  if (auth && !token) {
    onUnauthorized(site);
    throw new ApiError(401, "unauthorized", "Sign in to continue.");
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  const { response, data } = await fetchJson(url, init, "The portal");
  if (!response.ok) {
    const error = data?.error || {};
    if (response.status === 401 && auth) {
      session.clear(site);
      onUnauthorized(site);
    }
    throw new ApiError(response.status, error.code || "error", error.message || "Something went wrong; please try again.", error.fields || []);
  }
  return data;
}

// Branding is public and changes rarely: one request per site per page load.
const brandings = new Map();
export function branding(site) {
  if (!brandings.has(site)) {
    const pending = api(site, "GET", "", { auth: false });
    pending.catch(() => brandings.delete(site));
    brandings.set(site, pending);
  }
  return brandings.get(site);
}
