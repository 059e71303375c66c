// Payment history (newest first), one payment with its status history and cancel, and the confirmation after
// paying (the same page, `?confirmation=1`), which follows a Pending payment for a few seconds.
import { api } from "../api.js";
import { append, date, h, money } from "../dom.js";
import { guarded, showError, table } from "../ui.js";
import { base, confirmBox, paymentsOff } from "./payments-common.js";

const CANCELABLE = new Set(["Pending", "Scheduled"]);
// Statuses the writer moves on within seconds (docs/payments.md); the page looks again a few times, then stops.
const MOVING = new Set(["Pending", "Pending Cancel"]);
const POLL_EVERY_MS = 1500;
const POLL_TIMES = 10;

const contracts = (p) => p.allocations.map((a) => `Contract ${a.contract_id}`).join(", ");
const badge = (status) => h("span", { class: `status status-${status.toLowerCase().replace(" ", "-")}` }, status);

export async function history(context) {
  const { site, main, title } = context;
  if (paymentsOff(context)) return;
  main.append(h("h1", { tabindex: "-1" }, title),
    h("p", {}, h("a", { href: `${base(site)}/payments/new`, class: "button-link" }, "Make a payment")));
  const page = await api(site, "GET", "/payments", { query: { limit: 100 } });
  if (!page.items.length) {
    main.append(h("p", {}, "You have not made any payments yet."));
    return;
  }
  main.append(table("Your payments, newest first", [
    ["Payment date", (p) => h("a", { href: `${base(site)}/payments/${encodeURIComponent(p.payment_id)}` }, date(p.payment_date))],
    ["Amount", (p) => money(p.amount)],
    ["Status", (p) => badge(p.status)],
    // the one cell that may wrap: all open charges of several contracts pushed "From account" out of view
    ["Contracts", (p) => h("span", { class: "wrap" }, p.scope === "all" ? `All open charges (${contracts(p)})` : contracts(p))],
    ["From account", (p) => `ending ${p.bank_last4}`],
  ], page.items));
  if (page.next_token) main.append(h("p", { class: "muted" }, "Showing the newest 100 payments."));
}

function statusHistory(p) {
  return table("Status history", [
    ["Status", (e) => e.status],
    ["When", (e) => h("time", { dateTime: e.at }, new Date(e.at).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "long" }))],
    ["Note", (e) => e.note || "—"],
  ], p.history);
}

export async function payment(context) {
  const { site, params, main, alert, query, rerender } = context;
  if (paymentsOff(context)) return;
  const id = params.payment_id;
  const path = `/payments/${encodeURIComponent(id)}`;
  let p = await api(site, "GET", path);
  const confirmation = query.has("confirmation");
  const heading = confirmation ? "Payment confirmation" : `Payment of ${money(p.amount)}`;
  document.title = `${heading} · ${document.title.split(" · ").pop()}`;
  const status = h("strong", { "data-testid": "payment-status" }, p.status);
  const historyBox = h("div", {}, statusHistory(p));
  const fact = (label, value) => h("div", {}, h("dt", {}, label), h("dd", {}, value));
  const actions = h("div");
  // dom.js append, not Element.append: that one prints the null of a page that is no confirmation as "null".
  append(main, [
    h("p", {}, h("a", { href: `${base(site)}/payments` }, "← Payment history")),
    h("h1", { tabindex: "-1" }, heading),
    confirmation ? h("p", {}, "Thank you. Your payment was received; you will get an email about it too.") : null,
    // Announced when the status changes while the page looks again (Pending → Scheduled within seconds).
    h("p", { class: "status-line", "aria-live": "polite" }, "Status: ", status),
    h("dl", { class: "facts" },
      fact("Amount", money(p.amount)),
      fact("Payment date", date(p.payment_date)),
      fact(p.allocations.length > 1 ? "Contracts" : "Contract", h("ul", { class: "plain" },
        p.allocations.map((a) => h("li", {}, `${a.contract_id}: ${money(a.amount)}`)))),
      fact("From bank account", `ending ${p.bank_last4}`),
      fact("Reference", h("code", {}, p.payment_id))),
    actions,
    historyBox]); // the table's caption names it

  function showActions() {
    if (!CANCELABLE.has(p.status)) return actions.replaceChildren();
    if (actions.childElementCount) return; // keep an open confirmation (and the focus in it)
    const cancel = h("button", { type: "button", class: "secondary" }, "Cancel this payment");
    cancel.addEventListener("click", () => confirmBox(cancel, `Cancel the payment of ${money(p.amount)} on ${date(p.payment_date)}?`,
      "Yes, cancel the payment", "Keep the payment", guarded(alert, async () => {
        try {
          const answer = await api(site, "POST", `${path}/cancel`);
          rerender(answer.status === "Canceled"
            ? "The payment is canceled."
            : "Cancellation requested: the payment is being taken out of the collection run.");
        } catch (error) {
          if (error.code === "already_processed") {
            showError(alert, { message: `${error.message} The collection run has already picked it up, so the money will be collected. Call us if it should not have been.` });
            return;
          }
          throw error;
        }
      })));
    actions.append(cancel);
  }
  showActions();

  // A few looks while the status is one the writer moves on within seconds; never an endless poll. Not awaited:
  // the page is shown (and focused by main.js) at once.
  follow().catch(() => {});
  async function follow() {
    for (let i = 0; i < POLL_TIMES && MOVING.has(p.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
      if (!main.isConnected) return;
      p = await api(site, "GET", path); // a failure ends the looks; a reload looks again
      if (!main.isConnected) return;
      status.textContent = p.status;
      historyBox.replaceChildren(statusHistory(p));
      showActions();
    }
  }
}
