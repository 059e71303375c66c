// Bank accounts: the saved ones (last 4 only, verified or not), add one, remove one.
import { api } from "../api.js";
import { h } from "../dom.js";
import { field, guarded, showError } from "../ui.js";
import { accountLabel, clearFieldErrors, confirmBox, ownerLabel, paymentsOff, radios, showFieldErrors } from "./payments-common.js";

// The list does not carry the `message` the API gave when the account was added (that one is shown as the
// notice after adding); an unverified account in the list says the same thing from the site's branding.
function unverifiedHelp(branding) {
  const email = branding.login_branding?.support_email;
  return `Not verified yet, so it cannot be used for payments. To have it verified, call ${branding.display_name}` +
    (email ? ` or write to ${email}.` : ".");
}

function accountCard(site, b, branding, alert, rerender) {
  const remove = h("button", { type: "button", class: "secondary", "aria-label": `Remove the ${accountLabel(b).toLowerCase()}` }, "Remove");
  remove.addEventListener("click", () => confirmBox(remove, `Remove the ${accountLabel(b).toLowerCase()}?`, "Yes, remove it", "Keep it",
    guarded(alert, async () => {
      await api(site, "DELETE", `/bank-accounts/${encodeURIComponent(b.bank_account_id)}`);
      rerender(`The ${accountLabel(b).toLowerCase()} was removed.`);
    })));
  return h("li", { class: "card" },
    h("h3", {}, accountLabel(b)),
    h("p", { class: "muted" }, `${ownerLabel(b)} · ${b.holder_name}`),
    b.verified
      ? h("p", { class: "verified" }, "Verified: ready for payments.")
      : h("p", { class: "unverified" }, unverifiedHelp(branding)),
    remove);
}

function addForm(site, alert, rerender) {
  const submit = h("button", { type: "submit", class: "primary" }, "Add bank account");
  const el = h("form", { noValidate: true, "aria-labelledby": "h-add" },
    field("Account holder name", "holder_name", { autocomplete: "name", maxLength: 100 }),
    field("Routing number", "routing_number", { inputMode: "numeric", autocomplete: "off", maxLength: 9 }, "The 9 digits at the bottom left of a check."),
    field("Account number", "account_number", { inputMode: "numeric", autocomplete: "off", maxLength: 17 }, "4 to 17 digits. Only its last 4 digits are shown afterwards."),
    radios("Account type", "account_type", [["checking", "Checking"], ["savings", "Savings"]], "checking"),
    radios("Whose account is it?", "owner_type", [["personal", "Personal"], ["business", "Business"]], "personal"),
    submit);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(el).entries());
    for (const key of ["holder_name", "routing_number", "account_number"]) values[key] = values[key].trim();
    const problems = [];
    if (!values.holder_name) problems.push({ field: "holder_name", issue: "Enter the name on the account." });
    if (!/^[0-9]{9}$/.test(values.routing_number)) problems.push({ field: "routing_number", issue: "Enter the 9 digits of the routing number." });
    if (!/^[0-9]{4,17}$/.test(values.account_number)) problems.push({ field: "account_number", issue: "Enter 4 to 17 digits." });
    if (problems.length) return showFieldErrors(el, alert, "Some fields need a correction.", problems);
    clearFieldErrors(el);
    alert.hidden = true;
    submit.disabled = true;
    try {
      const created = await api(site, "POST", "/bank-accounts", { body: values });
      rerender(created.message);
    } catch (error) {
      if (error.status === 422 && error.fields.length) showFieldErrors(el, alert, error.message, error.fields);
      else showError(alert, error);
    } finally {
      submit.disabled = false;
    }
  });
  return el;
}

export async function bankAccounts(context) {
  const { site, main, alert, title, branding, rerender } = context;
  if (paymentsOff(context)) return;
  main.append(h("h1", { tabindex: "-1" }, title));
  const list = await api(site, "GET", "/bank-accounts");
  main.append(
    h("section", { "aria-labelledby": "h-saved" }, h("h2", { id: "h-saved" }, "Your bank accounts"),
      list.items.length
        ? h("ul", { class: "cards", "data-testid": "bank-accounts" }, list.items.map((b) => accountCard(site, b, branding, alert, rerender)))
        : h("p", {}, "You have not saved a bank account yet.")),
    h("section", { "aria-labelledby": "h-add" }, h("h2", { id: "h-add" }, "Add a bank account"), addForm(site, alert, rerender)));
}
