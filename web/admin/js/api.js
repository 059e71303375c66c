// The admin API: its URL from /config.json (shared with the borrower app), the staff member's Cognito IdToken
// as the bearer, and errors in the API.md shape (ApiError of the borrower app).
import { ApiError, fetchJson, loadConfig } from "/js/api.js";

export { ApiError, fetchJson, loadConfig };

// sessionStorage, as in the borrower app: survives a reload of this tab, not closing it, never sent on its own.
const KEY = "portal.admin.token";

function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
  } catch {
    return null;
  }
}

// The claims are read for the UI only (which controls to show); the API verifies the token and enforces 403.
export const session = {
  token() {
    const token = sessionStorage.getItem(KEY);
    const claims = token && claimsOf(token);
    if (!claims || (claims.exp && claims.exp * 1000 <= Date.now())) return null;
    return token;
  },
  claims() {
    const token = this.token();
    return token ? claimsOf(token) : null;
  },
  set: (token) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
  // portal-admins may write; portal-support reads only (and sees no write controls).
  canWrite() {
    return (this.claims()?.["cognito:groups"] || []).includes("portal-admins");
  },
};

let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

export async function adminApi(method, path, { body, query } = {}) {
  const { admin_api: base } = await loadConfig();
  const url = new URL(`${base}${path}`);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  const token = session.token();
  if (!token) {
    onUnauthorized();
    throw new ApiError(401, "unauthorized", "Sign in to continue.");
  }
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  const { response, data } = await fetchJson(url, init, "The admin API");
  if (!response.ok) {
    const error = data?.error || {};
    if (response.status === 401) {
      session.clear();
      onUnauthorized();
    }
    throw new ApiError(response.status, error.code || "error", error.message || `The admin API answered ${response.status}.`, error.fields || []);
  }
  return data;
}

// The site list feeds every site picker: one request per page load.
let sites = null;
export function listSites({ fresh = false } = {}) {
  if (fresh || !sites) {
    sites = adminApi("GET", "/admin/sites").then((data) => data.sites);
    sites.catch(() => { sites = null; });
  }
  return sites;
}
