// Profile: password change and the authenticator app (set up with its QR code, confirm, remove).
import { api } from "../api.js";
import { h } from "../dom.js";
import { alertBox, field, form, guarded, showNotice } from "../ui.js";

export async function profile({ site, main, alert, title, rerender }) {
  const me = await api(site, "GET", "/me");
  const app = h("section", { "aria-labelledby": "h-app" }, h("h2", { id: "h-app" }, "Authenticator app"));
  main.append(
    h("h1", { tabindex: "-1" }, title),
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, "Name"), h("dd", {}, `${me.first_name} ${me.last_name}`)),
      h("div", {}, h("dt", {}, "Email"), h("dd", {}, me.email)),
      h("div", {}, h("dt", {}, "Accounts"), h("dd", {}, me.linked_accounts.map((a) => `${a.name} (${a.account_id})`).join(", ") || "None"))),
    h("section", { "aria-labelledby": "h-password" }, h("h2", { id: "h-password" }, "Change password"),
      form([
        field("Current password", "current_password", { type: "password", autocomplete: "current-password" }),
        field("New password", "new_password", { type: "password", autocomplete: "new-password", minLength: 8 }, "At least 8 characters."),
      ], "Change password", async (values, el) => {
        await api(site, "POST", "/me/password", { body: values });
        el.reset();
        showNotice(alert, "Your password was changed. Other devices were signed out.");
      }, alert)),
    app);

  if (me.totp_enabled) {
    app.append(h("p", {}, "Sign-in codes come from your authenticator app."),
      h("button", { type: "button", class: "secondary", onclick: guarded(alert, async () => {
        await api(site, "DELETE", "/me/totp");
        rerender("The authenticator app was removed. Codes come by email again.");
      }) }, "Remove the authenticator app"));
    return;
  }
  const setupBox = h("div");
  app.append(h("p", {}, "Use an authenticator app instead of emailed codes when you sign in."), setupBox);
  setupBox.append(h("button", { type: "button", class: "secondary", onclick: guarded(alert, async () => {
    const setup = await api(site, "POST", "/me/totp");
    // The SVG from the API is shown as an image (a data: URL), never inserted as markup.
    const qr = h("img", { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qr_svg)}`, alt: "QR code to scan with your authenticator app", class: "qr", width: 212, height: 212 });
    const localAlert = alertBox();
    setupBox.replaceChildren(
      h("p", {}, "Scan this code with your authenticator app, then enter the six-digit code it shows."), qr,
      h("p", {}, "Cannot scan? Enter this key: ", h("code", { class: "secret" }, setup.secret)),
      localAlert,
      form([field("Code from the app", "code", { inputMode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxLength: 6 })],
        "Confirm", async ({ code }) => {
          await api(site, "POST", "/me/totp/confirm", { body: { code: code.trim() } });
          rerender("The authenticator app is set up. Use its codes when you sign in.");
        }, localAlert));
  }) }, "Set up an authenticator app"));
}
