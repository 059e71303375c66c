// Make a payment: one contract or all open charges (GET /payments/options), amount, date, a verified bank
// account; a review step; then POST /payments with one Idempotency-Key per attempt and on to the confirmation.
import { api } from "../api.js";
import { date, h, isZero, money } from "../dom.js";
import { field, showError } from "../ui.js";
import { navigate } from "../router.js";
import { accountLabel, base, clearFieldErrors, paymentsOff, radios, select, showFieldErrors } from "./payments-common.js";

// The API's default horizon (instance setting `payment_max_days_ahead`); a site that allows less still gets
// the API's 422 next to the date field.
const MAX_DAYS_AHEAD = 30;
const AMOUNT = /^[0-9]{1,12}(\.[0-9]{1,2})?$/;

// Payment dates are business dates in America/Chicago (PRODUCT.md §5), whatever the browser's time zone.
function businessToday() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "America/Chicago", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function addDays(iso, days) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

// One Idempotency-Key per payment attempt: made when the review step shows a body for the first time, kept
// (sessionStorage, this tab only) while the body stays the same, so a retry after a network error, a 5xx or
// a reload sends the same key and the API answers with the payment already made instead of making another.
// Dropped after success and as soon as the form changes: a different payment is a new attempt.
const attemptKey = (site) => `portal.payment-attempt.${site}`;

function attemptFor(site, body) {
  const text = JSON.stringify(body);
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(attemptKey(site)) || "null");
  } catch {
    saved = null;
  }
  if (saved?.body === text && saved.key) return saved.key;
  const key = crypto.randomUUID();
  sessionStorage.setItem(attemptKey(site), JSON.stringify({ key, body: text }));
  return key;
}

const dropAttempt = (site) => sessionStorage.removeItem(attemptKey(site));

function invoiceList(option) {
  if (!option.open_invoices.length) return h("p", { class: "muted", id: `inv-${option.contract_id}` }, "No open invoices.");
  return h("ul", { class: "invoices", id: `inv-${option.contract_id}` }, option.open_invoices.map((i) =>
    h("li", {}, `Invoice ${i.invoice_number}${i.due_date ? `, due ${date(i.due_date)}` : ""}: ${money(i.balance)}`)));
}

// The open amounts are ASPIRE's invoices, which a Pending or Scheduled payment does not lower until the
// collection run posts it: without this note "All open charges" right after paying one contract pays it again.
const ON_ITS_WAY = new Set(["Pending", "Scheduled"]);
const ON_ITS_WAY_SHOWN = 5; // the newest few; the rest are one link away (and out of the keyboard's way)

function onItsWay(site, payments) {
  const coming = payments.filter((p) => ON_ITS_WAY.has(p.status));
  if (!coming.length) return null;
  return h("section", { class: "summary on-its-way", "aria-labelledby": "on-its-way" },
    h("h2", { id: "on-its-way" }, "Payments already on their way"),
    h("p", {}, "The open amounts below do not include these yet; they count once the payment is collected."),
    h("ul", {}, coming.slice(0, ON_ITS_WAY_SHOWN).map((p) => h("li", {},
      h("a", { href: `${base(site)}/payments/${encodeURIComponent(p.payment_id)}` }, `${money(p.amount)} on ${date(p.payment_date)}`),
      ` for ${p.allocations.map((a) => `Contract ${a.contract_id}`).join(", ")} (${p.status})`))),
    coming.length > ON_ITS_WAY_SHOWN
      ? h("p", {}, h("a", { href: `${base(site)}/payments` }, `${coming.length - ON_ITS_WAY_SHOWN} more in your payment history`))
      : null);
}

export async function pay(context) {
  const { site, main, alert, title, query } = context;
  if (paymentsOff(context)) return;
  main.append(h("h1", { tabindex: "-1" }, title));
  // Recent payments only for the "already on its way" note: the page works without it.
  const [options, banks, recent] = await Promise.all([api(site, "GET", "/payments/options"), api(site, "GET", "/bank-accounts"),
    api(site, "GET", "/payments", { query: { limit: 100 } }).catch(() => ({ items: [] }))]);
  const verified = banks.items.filter((b) => b.verified);
  if (!options.contracts.length) {
    main.append(h("p", {}, "You have no open contracts to pay."));
    return;
  }
  if (!verified.length) {
    main.append(h("p", {}, "Payments are made from a verified bank account, and you have none yet. "),
      h("p", {}, h("a", { href: `${base(site)}/bank-accounts`, class: "button-link" }, "Add a bank account")));
    return;
  }
  const byId = new Map(options.contracts.map((o) => [o.contract_id, o]));
  const openAmount = (choice) => (choice === "all" ? options.total_open : byId.get(choice).open_amount);
  const wanted = query.get("contract");
  const today = businessToday();
  let values = {
    choice: byId.has(wanted) ? wanted : (options.contracts.find((o) => !isZero(o.open_amount)) || options.contracts[0]).contract_id,
    payment_date: today,
    bank_account_id: verified[0].bank_account_id,
  };
  values.amount = openAmount(values.choice);
  const coming = onItsWay(site, recent.items);
  if (coming) main.append(coming);
  const step = h("div");
  main.append(step);

  function body() {
    const scope = values.choice === "all" ? "all" : "contract";
    return { scope, ...(scope === "contract" ? { contract_id: values.choice } : {}), bank_account_id: values.bank_account_id, amount: values.amount, payment_date: values.payment_date };
  }

  function showForm(errors = null) {
    const choices = options.contracts.map((o) => [o.contract_id, `Contract ${o.contract_id}: ${money(o.open_amount)} open`]);
    choices.push(["all", `All open charges: ${money(options.total_open)} in total`]);
    const describe = Object.fromEntries(options.contracts.map((o) => [o.contract_id, `inv-${o.contract_id}`]));
    const what = radios("What do you want to pay?", "choice", choices, values.choice, describe);
    // Each contract's open invoices under its choice: they help pick the amount (a payment pays a contract,
    // never a single invoice; ASPIRE applies the cash).
    for (const o of options.contracts) what.querySelector(`input[value="${CSS.escape(o.contract_id)}"]`).parentElement.append(invoiceList(o));
    // All open charges are paid exactly (the API allocates the total per contract), so that amount is fixed.
    const amount = field("Amount", "amount", { inputMode: "decimal", autocomplete: "off", value: values.amount, readOnly: values.choice === "all" },
      "In dollars, for example 1250.00. The open amount is filled in; for one contract you may pay more or less.");
    const when = field("Payment date", "payment_date", { type: "date", min: today, max: addDays(today, MAX_DAYS_AHEAD), value: values.payment_date }, `From today up to ${MAX_DAYS_AHEAD} days ahead.`);
    const from = select("From bank account", "bank_account_id", verified.map((b) => [b.bank_account_id, `${accountLabel(b)} (${b.holder_name})`]));
    from.querySelector("select").value = values.bank_account_id;
    const submit = h("button", { type: "submit", class: "primary" }, "Review payment");
    const el = h("form", { noValidate: true, "aria-label": "Payment" }, what, amount, when, from, submit);
    el.addEventListener("change", (event) => {
      if (event.target.name !== "choice") return;
      const input = el.elements.namedItem("amount");
      input.value = openAmount(event.target.value);
      input.readOnly = event.target.value === "all";
    });
    // Any change makes it another payment: the key of the previous attempt is not reused for it.
    el.addEventListener("input", () => dropAttempt(site));
    el.addEventListener("change", () => dropAttempt(site));
    el.addEventListener("submit", (event) => {
      event.preventDefault();
      const read = Object.fromEntries(new FormData(el).entries());
      read.amount = read.amount.trim().replace(/^\$/, "").replaceAll(",", "");
      const problems = [];
      if (!AMOUNT.test(read.amount) || !/[1-9]/.test(read.amount)) problems.push({ field: "amount", issue: "Enter an amount above zero, in dollars and cents, for example 1250.00." });
      if (!/^\d{4}-\d{2}-\d{2}$/.test(read.payment_date) || read.payment_date < today || read.payment_date > addDays(today, MAX_DAYS_AHEAD)) {
        problems.push({ field: "payment_date", issue: `Choose a date from ${date(today)} to ${date(addDays(today, MAX_DAYS_AHEAD))}.` });
      }
      if (problems.length) return showFieldErrors(el, alert, "Some fields need a correction.", problems);
      clearFieldErrors(el);
      values = read;
      showReview();
    });
    step.replaceChildren(h("h2", { tabindex: "-1", id: "h-step" }, "Payment details"), el);
    if (errors) showFieldErrors(el, alert, errors.message, errors.fields.map((f) => ({ ...f, field: f.field === "contract_id" || f.field === "scope" ? "choice" : f.field })));
  }

  function showReview() {
    const payload = body();
    const key = attemptFor(site, payload);
    const bank = verified.find((b) => b.bank_account_id === values.bank_account_id);
    const what = values.choice === "all"
      ? `All open charges (${options.contracts.map((o) => `contract ${o.contract_id}`).join(", ")})`
      : `Contract ${values.choice}`;
    const fact = (label, value) => h("div", {}, h("dt", {}, label), h("dd", {}, value));
    const payButton = h("button", { type: "button", class: "primary" }, "Pay");
    const change = h("button", { type: "button", class: "secondary" }, "Change");
    let inFlight = false;
    payButton.addEventListener("click", async () => {
      if (inFlight) return; // a second click while the first is on its way sends nothing
      inFlight = true;
      payButton.disabled = true;
      change.disabled = true;
      alert.hidden = true;
      try {
        const created = await api(site, "POST", "/payments", { body: payload, headers: { "Idempotency-Key": key } });
        dropAttempt(site);
        navigate(`${base(site)}/payments/${encodeURIComponent(created.payment_id)}?confirmation=1`, { replace: true });
        return;
      } catch (error) {
        if (error.status === 401) return;
        if (error.status === 422 && error.fields.length) {
          showForm(error);
          return;
        }
        const retry = error.status === 0 || error.status >= 500;
        showError(alert, retry
          ? { message: `${error.message} Press Pay again to retry: the same payment is sent, so it is never made twice.` }
          : error);
      } finally {
        inFlight = false;
        payButton.disabled = false;
        change.disabled = false;
      }
    });
    change.addEventListener("click", () => {
      showForm();
      step.querySelector("h2").focus();
    });
    step.replaceChildren(
      h("h2", { tabindex: "-1", id: "h-step" }, "Review your payment"),
      h("dl", { class: "facts review" },
        fact("Paying", what),
        fact("Amount", money(values.amount)),
        fact("Payment date", date(values.payment_date)),
        fact("From", `${accountLabel(bank)} (${bank.holder_name})`)),
      h("p", {}, `When you press Pay, ${money(values.amount)} is collected by ACH from this account on the payment date. You can cancel it until the collection run picks it up.`),
      h("div", { class: "actions" }, payButton, change));
    step.querySelector("h2").focus();
  }

  showForm();
}
