// Operations: sync status and the full resync, the audit log, the payment lookup.
import { h, money, date } from "/js/dom.js";
import { navigate } from "/js/router.js";
import { field, showError, table } from "/js/ui.js";
import { adminApi } from "../api.js";
import { add, formValues, json, pager, selectField, siteField, when, withQuery } from "../kit.js";

const runColumns = [
  ["Job", (r) => r.job], ["Status", (r) => r.status], ["Started", (r) => when(r.started_at)], ["Ended", (r) => when(r.ended_at)],
  ["Full resync", (r) => (r.full_resync ? `Yes${r.full_resync_reason ? ` (${r.full_resync_reason})` : ""}` : "No")],
  ["Rows read", (r) => r.rows_read ?? "—"], ["Items written", (r) => r.items_written ?? "—"],
  ["Errors", (r) => (r.errors?.length ? json(r.errors) : r.error || "—")],
];

function lag(seconds) {
  if (seconds === null || seconds === undefined) return "No successful incremental run yet.";
  if (seconds < 120) return `${Math.round(seconds)} seconds since the last incremental run ended.`;
  return `${Math.round(seconds / 60)} minutes since the last incremental run ended.`;
}

export async function sync({ main, alert, canWrite, rerender }) {
  const s = await adminApi("GET", "/admin/sync");
  add(main, h("h1", { tabindex: "-1" }, "Sync"),
    h("p", { "data-testid": "sync-lag" }, "Lag: ", lag(s.lag_s)),
    h("p", {}, s.running ? `A run holds the lease: ${s.running.run_id || json(s.running)}.` : "No run is in progress."));
  if (canWrite) {
    add(main, h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: async (event) => {
      event.target.disabled = true;
      try {
        const started = await adminApi("POST", "/admin/sync/full");
        rerender(`Full resync started (run ${started.run_id}).`);
      } catch (error) {
        showError(alert, error); // 409 sync_running: its message says a run is in progress
        event.target.disabled = false;
      }
    } }, "Start a full resync")));
  }
  const last = Object.values(s.last_success || {});
  add(main, h("h2", {}, "Last successful run per job"),
    last.length ? table("Last successful runs", runColumns, last) : h("p", {}, "None yet."),
    h("h2", {}, "Recent runs"), s.recent_runs?.length ? table("Recent runs", runColumns, s.recent_runs) : h("p", {}, "None yet."),
    h("h2", {}, "Watermarks"), s.watermarks
      ? h("dl", { class: "facts" }, Object.entries(s.watermarks).map(([k, v]) =>
        // one div per pair: bare dt/dd in the .facts grid put a value in the next column, under another name
        h("div", {}, h("dt", {}, k), h("dd", {}, k.endsWith("_at") ? when(v) : String(v)))))
      : h("p", {}, "No watermark yet."),
    h("h2", {}, "Restore events"), s.restore_events?.length
      ? table("ASPIRE restore events", [["Detected", (e) => when(e.detected_at || e.at)], ["Event", (e) => json(e)]], s.restore_events)
      : h("p", {}, "No ASPIRE restore detected."));
}

function filters(fields, label) {
  const el = h("form", { class: "filters", role: "search" }, fields, h("button", { type: "submit", class: "primary" }, label));
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(withQuery({ ...formValues(el), next_token: null }));
  });
  return el;
}

// The fields an entry changed, `field: before → after`, so a reader need not compare two JSON documents.
function changes(entry) {
  const before = entry.before || {};
  const after = entry.after || {};
  const text = (v) => (v === undefined ? "—" : JSON.stringify(v));
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (!entry.before && !entry.after) return "—";
  if (!keys.length) return "No field changed.";
  return h("ul", { class: "changes" }, keys.map((k) => h("li", {}, `${k}: ${text(before[k])} → ${text(after[k])}`)));
}

export async function audit({ main, query }) {
  const { field: siteSelect, site } = await siteField(query.get("site"), { allowAll: true });
  const since = query.get("since") || "";
  add(main, h("h1", { tabindex: "-1" }, "Audit log"),
    filters([siteSelect, field("Since (UTC)", "since", { type: "datetime-local", value: since, required: false })], "Show entries"));
  const page = await adminApi("GET", "/admin/audit", {
    query: { site, since: since ? `${since.length === 16 ? `${since}:00` : since}Z` : null, next_token: query.get("next_token"), limit: 25 },
  });
  add(main, page.entries.length
    ? table("Admin actions, newest first", [
        ["When", (e) => when(e.at)], ["Who", (e) => e.actor_email || e.actor_sub], ["Action", (e) => e.action],
        ["Site", (e) => e.site_id], ["Target", (e) => json(e.target)], ["Changes", changes],
        ["Before and after", (e) => h("details", {}, h("summary", {}, "Show"), h("p", {}, "Before:"), json(e.before), h("p", {}, "After:"), json(e.after))],
      ], page.entries)
    : h("p", {}, "No entries."), pager(page.next_token));
}

const STATUSES = [["", "Any status"], ...["Pending", "Scheduled", "Paid", "Pending Cancel", "Canceled"].map((s) => [s, s])];

export async function payments({ main, query }) {
  const { field: siteSelect, site } = await siteField(query.get("site"));
  const q = (k) => query.get(k) || "";
  add(main, h("h1", { tabindex: "-1" }, "Payments"),
    filters([siteSelect, field("Contract number", "contract_id", { value: q("contract_id"), required: false }),
      selectField("Status", "status", STATUSES, q("status")),
      field("Created from", "from", { type: "date", value: q("from"), required: false }),
      field("Created to", "to", { type: "date", value: q("to"), required: false })], "Find payments"));
  const found = await adminApi("GET", `/admin/sites/${encodeURIComponent(site)}/payments`,
    { query: { contract_id: q("contract_id"), status: q("status"), from: q("from"), to: q("to") } });
  add(main, found.payments.length
    ? table(`Payments on ${site}`, [
        ["Payment", (p) => h("a", { href: `/admin/diagnostics?site=${encodeURIComponent(site)}&payment_id=${encodeURIComponent(p.payment_id)}` }, p.payment_id)],
        ["Status", (p) => p.status], ["Amount", (p) => money(p.amount)], ["Payment date", (p) => date(p.payment_date)],
        ["Created", (p) => when(p.created_at)], ["User", (p) => h("a", { href: `/admin/sites/${encodeURIComponent(site)}/users/${encodeURIComponent(p.user_id)}` }, p.user_email || p.user_id)],
      ], found.payments)
    : h("p", {}, "No payment matches."));
}
