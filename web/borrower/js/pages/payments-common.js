// What every payment page shares: the site's payments switch, field errors shown next to their fields, radio
// groups and selects, and the labels of bank accounts and statuses.
import { h } from "../dom.js";

export const base = (site) => `/sites/${encodeURIComponent(site)}`;

// With payments switched off the API answers 404 for every payment route; the pages ask nothing and say so.
export function paymentsOff({ branding, main }) {
  if (branding.payments_enabled) return false;
  document.title = `Payments are not available · ${branding.display_name}`;
  main.append(h("h1", { tabindex: "-1" }, "Payments are not available"),
    h("p", {}, `${branding.display_name} does not take payments through this portal.`));
  return true;
}

const TYPES = { checking: "Checking", savings: "Savings" };
const OWNERS = { personal: "Personal", business: "Business" };
export const accountLabel = (b) => `${TYPES[b.account_type] || b.account_type} account ending ${b.last4}`;
export const ownerLabel = (b) => `${OWNERS[b.owner_type] || b.owner_type} account`;

export function radios(legend, name, choices, checked, describe = {}) {
  return h("fieldset", { class: "field choices", id: `f-${name}` }, h("legend", {}, legend),
    choices.map(([value, label], i) => h("div", { class: "choice" },
      h("input", { type: "radio", id: `f-${name}-${i}`, name, value, checked: value === checked, "aria-describedby": describe[value] }),
      h("label", { htmlFor: `f-${name}-${i}` }, label))));
}

export function select(label, name, choices) {
  const id = `f-${name}`;
  return h("div", { class: "field" }, h("label", { htmlFor: id }, label),
    h("select", { id, name, required: true }, choices.map(([value, text]) => h("option", { value }, text))));
}

// The API's 422 `fields` (or the page's own checks, same shape) next to the fields they name: the message in
// the field's description, `aria-invalid` on it, focus on the first one. Fields the form has not (a header)
// are listed in the alert, which says what happened in any case.
export function showFieldErrors(formEl, alert, message, fields) {
  clearFieldErrors(formEl);
  let first = null;
  const unplaced = [];
  for (const { field, issue } of fields) {
    const control = formEl.elements.namedItem(field);
    if (!control) {
      unplaced.push(`${field}: ${issue}`);
      continue;
    }
    const group = control instanceof RadioNodeList ? [...control] : [control];
    const holder = group.length > 1 || group[0].type === "radio" ? group[0].closest("fieldset") : group[0].closest(".field");
    const id = `f-${field}-error`;
    const label = holder.querySelector("legend, label");
    label.after(h("p", { class: "field-error", id }, issue));
    for (const input of group) {
      input.setAttribute("aria-invalid", "true");
      const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      input.setAttribute("aria-describedby", [id, ...described].join(" "));
    }
    first ||= group.find((input) => input.checked) || group[0];
  }
  alert.replaceChildren(h("p", {}, message), ...(unplaced.length ? [h("ul", {}, unplaced.map((u) => h("li", {}, u)))] : []));
  alert.className = "alert error";
  alert.hidden = false;
  (first || alert).focus();
}

export function clearFieldErrors(formEl) {
  for (const error of formEl.querySelectorAll(".field-error")) {
    for (const input of formEl.querySelectorAll(`[aria-describedby~="${error.id}"]`)) {
      input.removeAttribute("aria-invalid");
      const rest = input.getAttribute("aria-describedby").split(" ").filter((d) => d && d !== error.id);
      if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
      else input.removeAttribute("aria-describedby");
    }
    error.remove();
  }
}

// An inline "are you sure" (no window.confirm: it is the same page for the keyboard, the screen reader and
// the tests). `action` runs on yes; the box goes away on no and focus returns to the button that opened it.
export function confirmBox(opener, question, yes, no, action) {
  const box = h("div", { class: "confirm", role: "group", "aria-label": question });
  const yesButton = h("button", { type: "button", class: "primary danger" }, yes);
  const noButton = h("button", { type: "button", class: "secondary" }, no);
  yesButton.addEventListener("click", async () => {
    yesButton.disabled = true;
    noButton.disabled = true;
    try {
      await action();
    } finally {
      yesButton.disabled = false;
      noButton.disabled = false;
    }
  });
  noButton.addEventListener("click", () => {
    box.remove();
    opener.hidden = false;
    opener.focus();
  });
  box.append(h("p", {}, question), h("div", { class: "actions" }, yesButton, noButton));
  opener.hidden = true;
  opener.after(box);
  yesButton.focus();
  return box;
}
