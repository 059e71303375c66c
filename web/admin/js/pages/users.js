// Users of a site: search, create with account links, edit names and links through the linkable-account
// search (with its near-miss reasons), the status actions; and the reverse lookup (users of an account).
import { append, date, h, money } from "/js/dom.js";
import { navigate } from "/js/router.js";
import { alertBox, field, form, guarded, showError, table } from "/js/ui.js";
import { adminApi } from "../api.js";
import { add, formValues, humanize, pager, selectField, siteField, when, withQuery } from "../kit.js";

const STATUSES = [["", "Any status"], ["Pending", "Pending"], ["Active", "Active"], ["Inactive", "Inactive"]];
const userPath = (site, id) => `/admin/sites/${encodeURIComponent(site)}/users/${encodeURIComponent(id)}`;

// A GET form whose values become the page's query (so results are links, and Back returns to them).
function filterForm(fields, label, reset = {}) {
  const el = h("form", { class: "filters", role: "search" }, fields, h("button", { type: "submit", class: "primary" }, label));
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(withQuery({ ...formValues(el), next_token: null, ...reset }));
  });
  return el;
}

export async function search({ main, query, canWrite }) {
  const { field: siteSelect, site } = await siteField(query.get("site"));
  add(main, h("h1", { tabindex: "-1" }, "Users"),
    canWrite ? h("p", {}, h("a", { class: "button-link", href: `/admin/users/new?site=${encodeURIComponent(site)}` }, "Create a user")) : null,
    filterForm([siteSelect,
      field("Name or email", "q", { type: "search", value: query.get("q") || "", required: false }, "Words of the name (sounds-alike matches too) or an email."),
      selectField("Status", "status", STATUSES, query.get("status"))], "Search users"));
  const page = await adminApi("GET", `/admin/sites/${encodeURIComponent(site)}/users`,
    { query: { q: query.get("q"), status: query.get("status"), next_token: query.get("next_token"), limit: query.get("limit") || 25 } });
  add(main, page.users.length
    ? table(`Users of ${site}`, [
        ["Name", (u) => h("a", { href: userPath(site, u.user_id) }, `${u.first_name} ${u.last_name}`)],
        ["Email", (u) => u.email], ["Status", (u) => u.status]], page.users)
    : h("p", {}, "No user matches."), pager(page.next_token));
}

// The account-link editor: the chosen accounts, and a search that shows the linkable accounts with a Link
// button and the near misses with the rule that makes each one not linkable on this site.
function accountPicker(site, initial, canWrite) {
  const chosen = new Map(initial.map((a) => [a.account_id, a.name]));
  const box = alertBox();
  const linked = h("ul", { class: "plain-list", "aria-label": "Linked accounts" });
  const results = h("div", { "aria-live": "polite" });
  const draw = () => {
    linked.replaceChildren(...[...chosen].map(([id, name]) => h("li", {}, h("span", {}, `${id} — ${name || ""}`),
      canWrite ? h("button", { type: "button", class: "secondary", "aria-label": `Remove ${id}`,
        onclick: () => { chosen.delete(id); draw(); } }, "Remove") : null)));
    if (!chosen.size) linked.append(h("li", {}, "No account linked."));
  };
  draw();
  const input = h("input", { id: "f-account-q", type: "search", "aria-describedby": "f-account-q-hint" });
  const find = guarded(box, async () => {
    box.hidden = true;
    const found = await adminApi("GET", `/admin/sites/${encodeURIComponent(site)}/accounts`, { query: { q: input.value.trim() } });
    results.replaceChildren();
    append(results, [
      h("h3", {}, `Linkable accounts (${found.items.length})`),
      found.items.length
        ? h("ul", { class: "plain-list" }, found.items.map((a) => h("li", {}, h("span", {}, `${a.account_id} — ${a.name}`),
            h("button", { type: "button", class: "secondary", "aria-label": `Link ${a.account_id} ${a.name}`, disabled: chosen.has(a.account_id),
              onclick: (event) => { chosen.set(a.account_id, a.name); event.target.disabled = true; draw(); } }, chosen.has(a.account_id) ? "Linked" : "Link"))))
        : h("p", {}, "No linkable account matches."),
      found.not_linkable?.length ? [
        h("h3", {}, "Matching accounts that cannot be linked on this site"),
        h("ul", { class: "plain-list", "data-testid": "near-misses" }, found.not_linkable.map((a) => h("li", {},
          h("div", {}, h("strong", {}, `${a.account_id} — ${a.name}`),
            h("div", { class: "near-miss" }, `Not linkable: ${humanize(a.rule)}. ${a.detail}`))))),
      ] : null]);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); find(); } // search, not submit the user form
  });
  const el = h("fieldset", {}, h("legend", {}, "Account links"), box, linked,
    canWrite ? [
      h("div", { class: "field" }, h("label", { htmlFor: "f-account-q" }, "Find an account"),
        h("p", { class: "hint", id: "f-account-q-hint" }, "Account name or the start of the account number (at least 2 characters)."),
        input),
      h("button", { type: "button", class: "secondary", onclick: find }, "Search accounts"), results,
    ] : null);
  return { el, ids: () => [...chosen.keys()] };
}

export async function create({ main, alert, query, canWrite }) {
  const { field: siteSelect, site } = await siteField(query.get("site"));
  add(main, h("h1", { tabindex: "-1" }, "Create a user"));
  if (!canWrite) return add(main, h("p", {}, "Support staff can look users up but not create them."));
  siteSelect.querySelector("select").addEventListener("change", (event) => navigate(withQuery({ site: event.target.value }), { replace: true }));
  const picker = accountPicker(site, [], true);
  add(main, siteSelect, form([
    field("Email", "email", { type: "email", autocomplete: "off" }),
    field("First name", "first_name", { autocomplete: "off" }),
    field("Last name", "last_name", { autocomplete: "off" }),
    picker.el,
  ], "Create user", async (v) => {
    const user = await adminApi("POST", `/admin/sites/${encodeURIComponent(site)}/users`, { body: {
      email: v.email.trim(), first_name: v.first_name.trim(), last_name: v.last_name.trim(), account_ids: picker.ids(),
    } });
    sessionStorage.setItem("portal.admin.notice", "User created: the registration email is on its way.");
    navigate(userPath(site, user.user_id));
  }, alert));
}

// What the 409 of each action means, in the words a support call needs.
const ACTIONS = [
  ["reset-password", "Send a password reset", "A Pending user has not finished registering: resend the registration email instead. An Inactive user must be reactivated first."],
  ["resend-registration", "Resend the registration email", "This user has finished registering (or is Inactive): for a forgotten password, send a password reset."],
  ["deactivate", "Deactivate", "Reload the page to see the user's current status."],
  ["reactivate", "Reactivate", "Reload the page to see the user's current status."],
];

export async function detail({ main, alert, params, canWrite }) {
  const path = userPath(params.site, params.user_id);
  const base = `/admin/sites/${encodeURIComponent(params.site)}/users/${encodeURIComponent(params.user_id)}`;
  const user = await adminApi("GET", base);
  add(main, h("h1", { tabindex: "-1" }, `${user.first_name} ${user.last_name}`),
    h("dl", { class: "facts" }, [["Email", user.email], ["Site", user.site_id], ["Status", user.status],
      ["Created", when(user.created_at)], ["Authenticator app", user.totp_enabled ? "Set up" : "None"]]
      .map(([k, v]) => [h("dt", {}, k), h("dd", { "data-testid": `user-${k.toLowerCase()}` }, v)])));
  const picker = accountPicker(params.site, user.linked_accounts || [], canWrite);
  if (canWrite) {
    add(main, h("h2", {}, "Edit"), form([
      field("First name", "first_name", { value: user.first_name }),
      field("Last name", "last_name", { value: user.last_name }),
      picker.el,
    ], "Save user", async (v) => {
      await adminApi("PATCH", base, { body: { first_name: v.first_name.trim(), last_name: v.last_name.trim(), account_ids: picker.ids() } });
      sessionStorage.setItem("portal.admin.notice", "User saved.");
      navigate(path, { replace: true });
    }, alert));
    add(main, h("h2", {}, "Actions"), h("div", { class: "actions" }, ACTIONS.map(([action, label, conflict]) =>
      h("button", { type: "button", class: "secondary", onclick: async (event) => {
        event.target.disabled = true;
        try {
          await adminApi("POST", `${base}/${action}`);
          sessionStorage.setItem("portal.admin.notice", `${label}: done.`);
          navigate(path, { replace: true });
        } catch (error) {
          if (error.status === 409) error.message = `${error.message} ${conflict}`;
          showError(alert, error);
        } finally {
          event.target.disabled = false;
        }
      } }, label))));
  } else {
    add(main, h("h2", {}, "Linked accounts"), picker.el);
  }
  add(main, h("p", {}, h("a", { href: `/admin/diagnostics?site=${encodeURIComponent(params.site)}&user_id=${encodeURIComponent(user.user_id)}&email=${encodeURIComponent(user.email)}` }, "Diagnose this user")));
  const payments = await adminApi("GET", `${base}/payments`);
  add(main, h("h2", {}, "Payments"), payments.payments.length
    ? table("Payments of this user", [
        ["Payment", (p) => h("a", { href: `/admin/diagnostics?site=${encodeURIComponent(params.site)}&payment_id=${encodeURIComponent(p.payment_id)}` }, p.payment_id)],
        ["Status", (p) => p.status], ["Amount", (p) => money(p.amount)], ["Date", (p) => date(p.payment_date)]], payments.payments)
    : h("p", {}, "No payments."));
}

export async function accounts({ main, query }) {
  const { field: siteSelect, site } = await siteField(query.get("site"));
  const account = (query.get("account_id") || "").trim();
  add(main, h("h1", { tabindex: "-1" }, "Users of an account"),
    filterForm([siteSelect, field("Account number", "account_id", { value: account }, "For example A-000002.")], "Find users"));
  if (!account) return;
  const found = await adminApi("GET", `/admin/sites/${encodeURIComponent(site)}/accounts/${encodeURIComponent(account)}/users`);
  add(main, found.items.length
    ? table(`Users linked to ${found.account_id} on ${site}`, [
        ["Name", (u) => h("a", { href: userPath(site, u.user_id) }, `${u.first_name} ${u.last_name}`)],
        ["Email", (u) => u.email], ["Status", (u) => u.status]], found.items)
    : h("p", {}, `No user of ${site} is linked to ${account}.`),
    h("p", {}, h("a", { href: `/admin/diagnostics?site=${encodeURIComponent(site)}&account_id=${encodeURIComponent(account)}` }, "Why is (or isn't) this account linkable?")));
}
