// Pieces the admin pages share: pickers, checkboxes, checklists, JSON and paging. Built on the borrower app's
// text-only element builder (/js/dom.js) and its form and alert helpers (/js/ui.js).
import { append, h } from "/js/dom.js";
import { listSites } from "./api.js";

// Element.append writes null and arrays as text; dom.js append skips null/false and flattens, as h() does.
export const add = (el, ...children) => append(el, children);

export function selectField(label, name, options, value, attrs = {}) {
  const id = `f-${name}`;
  return h("div", { class: "field" },
    h("label", { htmlFor: id }, label),
    h("select", { id, name, ...attrs },
      options.map(([v, text]) => h("option", { value: v, selected: String(v) === String(value ?? "") }, text))));
}

export function checkbox(label, name, checked, hint = null) {
  const id = `f-${name}`;
  return h("div", { class: "field check" },
    h("input", { type: "checkbox", id, name, checked: Boolean(checked), value: "on", "aria-describedby": hint ? `${id}-hint` : null }),
    h("label", { htmlFor: id }, label),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null);
}

// The site picker of the site-scoped pages; `fallback` is the default site (or the first one).
export async function siteField(current, { allowAll = false } = {}) {
  const sites = await listSites();
  const chosen = current || (allowAll ? "" : (sites.find((s) => s.is_default) || sites[0])?.site_id);
  const options = sites.map((s) => [s.site_id, `${s.display_name} (${s.site_id})`]);
  return { field: selectField("Site", "site", allowAll ? [["", "All sites"], ...options] : options, chosen), site: chosen };
}

export const humanize = (rule) => String(rule || "").replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

// A diagnostics answer (API.md: verdict + checks) as a readable checklist: the words "Passed"/"Failed" carry
// the result, the colour only repeats it.
export function checklist(title, result) {
  const failed = (result.checks || []).filter((c) => !c.passed).length;
  return h("section", { class: "result", "aria-label": title },
    h("h3", {}, title),
    h("p", {}, "Verdict: ", h("span", { class: "verdict" }, humanize(result.verdict)),
      ` — ${failed ? `${failed} of ${result.checks.length} checks failed` : "all checks passed"}.`),
    h("ul", { class: "checklist" }, (result.checks || []).map((c) =>
      h("li", { class: c.passed ? "pass" : "fail" },
        h("span", { class: "mark" }, c.passed ? "✓ Passed: " : "✗ Failed: "),
        h("strong", {}, humanize(c.rule)),
        h("div", {}, c.detail)))));
}

export function json(value) {
  if (value === null || value === undefined) return "—";
  return h("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

export function when(value) {
  if (!value) return "—";
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return String(value);
  return h("time", { dateTime: value }, at.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC");
}

// The URL of this page with `changes` applied to its query (empty values dropped): filters and pages are links.
export function withQuery(changes) {
  const params = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === "") params.delete(k);
    else params.set(k, v);
  }
  const text = params.toString();
  return location.pathname + (text ? `?${text}` : "");
}

export function pager(nextToken) {
  const first = new URLSearchParams(location.search).has("next_token");
  if (!nextToken && !first) return null;
  return h("nav", { class: "pager", "aria-label": "Pages" },
    first ? h("a", { href: withQuery({ next_token: null }) }, "First page") : null,
    nextToken ? h("a", { href: withQuery({ next_token: nextToken }) }, "Next page") : null);
}

export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}
