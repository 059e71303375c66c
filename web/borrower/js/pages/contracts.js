// Home (open and closed contracts, what is due), contract detail (assets, invoices), the amortization schedule
// and lines of credit. Every list shows how fresh its data is (`as_of`: the last sync).
import { api } from "../api.js";
import { date, h, isZero, money } from "../dom.js";
import { asOf, table } from "../ui.js";

const base = (site) => `/sites/${encodeURIComponent(site)}`;
const TYPES = { OperatingLease: "Operating lease", CapitalLease: "Capital lease", Loan: "Loan" };

function contractCard(site, c, payable) {
  const due = c.status === "open"
    ? h("dl", { class: "facts" },
        h("div", {}, h("dt", {}, "Next payment"), h("dd", {}, c.next_due_date ? `${money(c.next_due_amount)} on ${date(c.next_due_date)}` : "None scheduled")),
        h("div", {}, h("dt", {}, "Past due"), h("dd", { class: isZero(c.past_due_amount) ? "" : "past-due" }, isZero(c.past_due_amount) ? "Nothing past due" : money(c.past_due_amount))),
        h("div", {}, h("dt", {}, "Payment"), h("dd", {}, c.payment_amount ? `${money(c.payment_amount)} ${(c.payment_frequency || "").toLowerCase()}` : "—")))
    : h("dl", { class: "facts" }, h("div", {}, h("dt", {}, "Closed"), h("dd", {}, date(c.termination_date || c.maturity_date))));
  return h("li", { class: "card" },
    h("h3", {}, h("a", { href: `${base(site)}/contracts/${encodeURIComponent(c.contract_id)}` }, `Contract ${c.contract_id}`)),
    h("p", { class: "muted" }, c.roles.join(" and ")),
    due,
    // payments (issue #11, part 2a): only with the site's payments switch on
    payable && c.status === "open"
      ? h("p", {}, h("a", { href: `${base(site)}/payments/new?contract=${encodeURIComponent(c.contract_id)}`, class: "button-link", "aria-label": `Pay ${c.contract_id}` }, "Pay"))
      : null);
}

function contractList(site, status, heading, empty, page, payable = false) {
  const section = h("section", { "aria-labelledby": `h-${status}` }, h("h2", { id: `h-${status}` }, heading));
  section.append(page.items.length ? h("ul", { class: "cards", "data-testid": `contracts-${status}` }, page.items.map((c) => contractCard(site, c, payable))) : h("p", {}, empty));
  if (page.next_token) section.append(h("p", { class: "muted" }, "Showing the first 100 contracts."));
  return { section, page };
}

// Started by main.js together with the branding (not after it), so the list costs one round trip, not two.
export function homeData({ site }) {
  const list = (status) => api(site, "GET", "/contracts", { query: { status, limit: 100 } });
  return Promise.all([list("open"), list("closed")]);
}

export async function home({ site, main, title, data, branding }) {
  main.append(h("h1", { tabindex: "-1" }, title));
  const [openPage, closedPage] = await data;
  const open = contractList(site, "open", "Open contracts", "You have no open contracts.", openPage, branding.payments_enabled);
  const closed = contractList(site, "closed", "Closed contracts", "No closed contracts.", closedPage);
  const pastDue = open.page.items.filter((c) => !isZero(c.past_due_amount));
  main.append(
    h("p", { class: pastDue.length ? "summary past-due" : "summary" }, pastDue.length
      ? `${pastDue.length} of your contracts ${pastDue.length === 1 ? "has" : "have"} an amount past due.`
      : "Nothing is past due."),
    open.section, closed.section, asOf(open.page.as_of));
}

export async function contract({ site, params, main, query }) {
  const id = params.contract_id;
  const invoiceStatus = query.get("invoices") === "all" ? "all" : "open";
  const [c, invoices] = await Promise.all([
    api(site, "GET", `/contracts/${encodeURIComponent(id)}`),
    api(site, "GET", `/contracts/${encodeURIComponent(id)}/invoices`, { query: { status: invoiceStatus, limit: 100 } }),
  ]);
  document.title = `Contract ${c.contract_id} · ${document.title.split(" · ").pop()}`;
  const b = c.balances || {};
  const fact = (label, value) => h("div", {}, h("dt", {}, label), h("dd", {}, value));
  const toggle = invoiceStatus === "all"
    ? h("a", { href: `${base(site)}/contracts/${encodeURIComponent(id)}` }, "Show open invoices only")
    : h("a", { href: `${base(site)}/contracts/${encodeURIComponent(id)}?invoices=all` }, "Show all invoices");
  main.append(
    h("p", {}, h("a", { href: `${base(site)}/home` }, "← All contracts")),
    h("h1", { tabindex: "-1" }, `Contract ${c.contract_id}`),
    h("p", { class: "muted" }, `${TYPES[c.contract_type] || c.contract_type || "Contract"} · ${c.status === "open" ? "Open" : "Closed"} · ${c.roles.join(" and ")}`),
    h("dl", { class: "facts" },
      fact("Next payment", c.next_due_date ? `${money(c.next_due_amount)} on ${date(c.next_due_date)}` : "None scheduled"),
      fact("Past due", money(b.past_due_amount ?? c.past_due_amount)),
      fact("Payment", c.payment_amount ? `${money(c.payment_amount)} ${(c.payment_frequency || "").toLowerCase()}` : "—"),
      fact("Term", c.term_months ? `${c.term_months} months, ${date(c.commencement_date)} – ${date(c.maturity_date)}` : "—"),
      fact("Principal balance", money(b.principal_balance)),
      fact("Payoff amount", money(b.payoff_amount)),
      fact("Financed amount", money(b.financed_amount))),
    h("p", {}, h("a", { href: `${base(site)}/contracts/${encodeURIComponent(id)}/schedule`, class: "button-link" }, "Amortization schedule")),
    h("h2", {}, "Assets"),
    c.assets.length
      ? table("Assets and serial numbers", [
          ["Description", (a) => a.description || "—"],
          ["Make and model", (a) => [a.manufacturer, a.model].filter(Boolean).join(" ") || "—"],
          ["Year", (a) => a.model_year ?? "—"],
          ["Serial number", (a) => a.serial_number || "—"],
        ], c.assets)
      : h("p", {}, "No assets are listed on this contract."),
    h("h2", {}, invoiceStatus === "all" ? "All invoices" : "Open invoices"),
    h("p", {}, toggle),
    invoices.items.length
      ? table(invoiceStatus === "all" ? "All invoices" : "Open invoices", [
          ["Invoice", (i) => i.invoice_number],
          ["Date", (i) => date(i.invoice_date)],
          ["Due", (i) => date(i.due_date)],
          ["Amount", (i) => money(i.amount)],
          ["Balance", (i) => money(i.balance)],
          ["Status", (i) => i.status],
        ], invoices.items)
      : h("p", {}, invoiceStatus === "all" ? "No invoices yet." : "No open invoices."),
    asOf(c.as_of));
}

export async function schedule({ site, params, main }) {
  const id = params.contract_id;
  const body = h("div");
  main.append(
    h("p", {}, h("a", { href: `${base(site)}/contracts/${encodeURIComponent(id)}` }, `← Contract ${id}`)),
    h("h1", { tabindex: "-1" }, `Amortization schedule, contract ${id}`), body);
  const rows = [];
  let page = await api(site, "GET", `/contracts/${encodeURIComponent(id)}/amortization`, { query: { limit: 100 } });
  rows.push(...page.items);
  while (page.next_token && rows.length < 1000) {
    page = await api(site, "GET", `/contracts/${encodeURIComponent(id)}/amortization`, { query: { limit: 100, next_token: page.next_token } });
    rows.push(...page.items);
  }
  if (!rows.length) {
    body.append(h("p", {}, page.reason || "There is no schedule for this contract."));
  } else {
    body.append(table("Amortization schedule", [
      ["Payment", (r) => r.payment_number],
      ["Due", (r) => date(r.due_date)],
      ["Amount", (r) => money(r.payment_amount)],
      ["Principal", (r) => money(r.principal)],
      ["Interest", (r) => money(r.interest)],
      ["Balance after", (r) => money(r.ending_balance)],
    ], rows));
  }
  body.append(asOf(page.as_of));
}

export async function linesOfCredit({ site, main, title }) {
  main.append(h("h1", { tabindex: "-1" }, title));
  const page = await api(site, "GET", "/lines-of-credit", { query: { limit: 100 } });
  main.append(page.items.length
    ? table("Lines of credit", [
        ["Account", (l) => `${l.account_name} (${l.line_of_credit_id})`],
        ["Limit", (l) => money(l.credit_limit)],
        ["Used", (l) => money(l.used_amount)],
        ["Available", (l) => money(l.available_amount)],
        ["Status", (l) => l.status],
      ], page.items)
    : h("p", {}, "Your accounts have no lines of credit."), asOf(page.as_of));
}
