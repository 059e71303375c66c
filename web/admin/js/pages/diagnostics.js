// The four diagnostics as readable checklists: contract visibility, account linkability, enrollment/login
// and payment. Each form's values come from the query too, so other pages link straight to an answer.
import { append, h, money } from "/js/dom.js";
import { alertBox, field, form, table } from "/js/ui.js";
import { ApiError } from "/js/api.js";
import { adminApi } from "../api.js";
import { add, checklist, formValues, json, siteField, when } from "../kit.js";

// Staff know a customer by email: find the user id through the user search (the exact email, case aside).
async function userIdOf(site, email) {
  const found = await adminApi("GET", `/admin/sites/${encodeURIComponent(site)}/users`, { query: { q: email, limit: 10 } });
  const user = found.users.find((u) => u.email.toLowerCase() === email.toLowerCase());
  if (!user) throw new ApiError(404, "user_not_found", `No user of this site has the email ${email}.`);
  return user.user_id;
}

function section(id, title, intro, fields, run, initial) {
  const box = alertBox();
  const out = h("div", { "aria-live": "polite", "data-testid": `result-${id}` });
  let onLoad = Boolean(initial); // an answer asked for by the link: the page's heading keeps the focus
  const el = form(fields, `Check ${title.toLowerCase()}`, async (values) => {
    const answer = await run(values);
    out.replaceChildren();
    append(out, [answer]);
    out.querySelector("h3")?.setAttribute("tabindex", "-1");
    if (!onLoad) out.querySelector("h3")?.focus();
    onLoad = false;
  }, box);
  const wrap = h("section", { "aria-labelledby": `h-${id}` }, h("h2", { id: `h-${id}` }, title), h("p", { class: "hint" }, intro), box, el, out);
  if (initial) queueMicrotask(() => el.requestSubmit());
  return wrap;
}

export async function page({ main, query }) {
  const { field: siteSelect } = await siteField(query.get("site"));
  const q = (k) => query.get(k) || "";
  const get = (path, params) => adminApi("GET", `/admin/sites/${encodeURIComponent(currentSite())}/diagnostics/${path}`, { query: params });
  const siteForm = h("form", { "aria-label": "Site of the diagnostics" }, siteSelect);
  const currentSite = () => formValues(siteForm).site;
  siteForm.addEventListener("submit", (event) => event.preventDefault());
  add(main, h("h1", { tabindex: "-1" }, "Diagnostics"), siteForm,
    section("visibility", "Contract visibility", "Why a user does or does not see a contract.", [
      field("User", "user_id", { value: q("user_id") }, "The user's email, or the user id from the user's page."),
      field("Contract number", "contract_id", { value: q("contract_id") }, "For example CN-0001001.")],
    async (v) => {
      const user = v.user_id.trim();
      const userId = user.includes("@") ? await userIdOf(currentSite(), user) : user;
      return checklist(`Contract ${v.contract_id.trim()} for user ${user}`,
        await get("contract-visibility", { user_id: userId, contract_id: v.contract_id.trim() }));
    }, q("user_id") && q("contract_id")),
    section("linkability", "Account linkability", "Whether an account can be linked to users of this site, rule by rule.", [
      field("Account number", "account_id", { value: q("account_id") })],
    async (v) => checklist(`Account ${v.account_id.trim()}`, await get("account-linkability", { account_id: v.account_id.trim() })), q("account_id")),
    section("enrollment", "Enrollment and login", "The state of a user, the emails sent and the failed self-enrollment checks.", [
      field("Email", "email", { type: "email", value: q("email") })],
    async (v) => {
      const result = await get("enrollment", { email: v.email.trim() });
      return [checklist(`Enrollment of ${v.email.trim()}`, result),
        result.recent_emails?.length ? table("Emails sent", [["Sent", (e) => when(e.sent_at || e.at)], ["Kind", (e) => e.kind || e.template || "—"],
          ["State", (e) => e.status || e.event || "—"]], result.recent_emails) : h("p", {}, "No email sent recently.")];
    }, q("email")),
    section("payment", "Payment", "Where a payment is: its timeline in the portal and its state in ASPIRE.", [
      field("Payment id", "payment_id", { value: q("payment_id") })],
    async (v) => {
      const result = await get(`payments/${encodeURIComponent(v.payment_id.trim())}`);
      const rows = result.aspire?.rows || [];
      return [checklist(`Payment ${v.payment_id.trim()}`, result),
        result.timeline?.length ? table("Timeline", [["When", (t) => when(t.at)], ["Status", (t) => t.status || "—"], ["Detail", (t) => json(t)]], result.timeline) : null,
        result.aspire ? h("p", {}, `ASPIRE state read from: ${result.aspire.source}.`) : null,
        rows.length ? table("ASPIRE AlternateEft rows", [["Portal payment", (r) => r.portal_payment_id || "—"], ["Found", (r) => (r.found ? "Yes" : "No")],
          ["Amount", (r) => money(r.Amount ?? r.amount)], ["Row", (r) => json(r)]], rows) : null];
    }, q("payment_id")));
}
