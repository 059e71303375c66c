// Sites (branding, private labels, switches) with a live preview of the branding, and the instance settings.
import { h } from "/js/dom.js";
import { field, form, showNotice, table, textOn } from "/js/ui.js";
import { adminApi, listSites } from "../api.js";
import { add, checkbox, selectField } from "../kit.js";

const yes = (value) => (value ? "Yes" : "No");

export async function list({ main }) {
  const sites = await listSites({ fresh: true });
  add(main, h("h1", { tabindex: "-1" }, "Sites"),
    table("Portal sites", [
      ["Site", (s) => h("a", { href: `/admin/sites/${encodeURIComponent(s.site_id)}` }, s.site_id)],
      ["Display name", (s) => s.display_name],
      ["Private labels", (s) => s.private_labels.join(", ") || "—"],
      ["Default site", (s) => yes(s.is_default)],
      ["MFA", (s) => yes(s.mfa_enabled)],
      ["Payments", (s) => yes(s.payments_enabled)],
    ], sites));
}

// The borrower site's header and a button as the site's colours would show them (textOn: the same contrast
// rule the borrower app applies).
function preview() {
  const banner = h("img", { class: "banner", alt: "", hidden: true });
  banner.addEventListener("error", () => { banner.hidden = true; });
  const name = h("span", { class: "preview-name" });
  const header = h("div", { class: "preview-header" }, banner, name);
  const button = h("span", { class: "button-link" }, "Sign in");
  const el = h("section", { class: "preview", "aria-label": "Preview of the branding", "data-testid": "branding-preview" },
    header, h("div", { class: "preview-body" }, h("p", {}, "Your contracts"), button));
  const update = (values) => {
    name.textContent = values.display_name || "(no display name)";
    const colour = textOn(values.header_color) ? values.header_color : "#1f3a5f";
    header.style.setProperty("background-color", colour);
    header.style.setProperty("color", textOn(colour));
    const url = /^https:\/\//.test(values.banner_url || "") ? values.banner_url : "";
    banner.hidden = !url;
    if (url && banner.src !== url) banner.src = url;
  };
  return { el, update };
}

export async function edit({ main, alert, params, canWrite }) {
  const site = await adminApi("GET", `/admin/sites/${encodeURIComponent(params.site)}`);
  add(main, h("h1", { tabindex: "-1" }, `Site ${site.site_id}`));
  const view = preview();
  view.update(site);
  if (!canWrite) {
    add(main, h("div", { class: "editor" },
      h("dl", { class: "facts" },
        [["Display name", site.display_name], ["Banner URL", site.banner_url || "—"], ["Header colour", site.header_color],
          ["Private labels", site.private_labels.join(", ") || "—"], ["Default site", yes(site.is_default)],
          ["MFA required", yes(site.mfa_enabled)], ["Payments", yes(site.payments_enabled)]]
          .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      view.el));
    return;
  }
  const el = form([
    field("Display name", "display_name", { value: site.display_name, maxLength: 200 }),
    field("Banner URL", "banner_url", { type: "url", value: site.banner_url, required: false }, "An https:// address, or empty for none."),
    field("Header colour", "header_color", { value: site.header_color, pattern: "#[0-9A-Fa-f]{6}" }, "As #RRGGBB, for example #1F4E79."),
    field("Private labels", "private_labels", { value: site.private_labels.join(", "), required: false },
      "Comma-separated ASPIRE private labels whose contracts belong to this site. Changes apply at the next sync."),
    checkbox("Default site (contracts without a mapped label)", "is_default", site.is_default),
    checkbox("Require MFA on sign-in", "mfa_enabled", site.mfa_enabled),
    checkbox("Payments enabled", "payments_enabled", site.payments_enabled),
  ], "Save site", async (values, formEl) => {
    const body = {
      display_name: values.display_name.trim(), banner_url: values.banner_url.trim(), header_color: values.header_color.trim(),
      private_labels: values.private_labels.split(",").map((l) => l.trim()).filter(Boolean),
      is_default: formEl.elements.is_default.checked, mfa_enabled: formEl.elements.mfa_enabled.checked,
      payments_enabled: formEl.elements.payments_enabled.checked,
    };
    const saved = await adminApi("PATCH", `/admin/sites/${encodeURIComponent(site.site_id)}`, { body });
    listSites({ fresh: true });
    showNotice(alert, saved.message ? `Saved. ${saved.message}` : "Saved.");
  }, alert);
  el.addEventListener("input", () => view.update(Object.fromEntries(new FormData(el).entries())));
  add(main, h("div", { class: "editor" }, el, h("div", {}, h("h2", {}, "Preview"), view.el)));
}

export async function settings({ main, alert, canWrite }) {
  const s = await adminApi("GET", "/admin/settings");
  const b = s.login_branding || {};
  add(main, h("h1", { tabindex: "-1" }, "Instance settings"));
  if (!canWrite) {
    add(main, h("dl", { class: "facts" },
      [["MFA for all sites", yes(s.mfa_all_sites)], ["Bank verification", s.bank_verification_mode],
        ["Verification since", s.bank_verification_since || "—"], ["Payment limit", s.payment_limit],
        ["Days ahead a payment may be dated", s.payment_max_days_ahead], ["Logo URL", b.logo_url || "—"],
        ["Background URL", b.background_url || "—"], ["Button colour", b.button_color || "—"], ["Support email", b.support_email || "—"]]
        .map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])));
    return;
  }
  add(main, form([
    h("fieldset", {}, h("legend", {}, "Sign-in and payments"),
      checkbox("Require MFA on every site", "mfa_all_sites", s.mfa_all_sites),
      selectField("Bank account verification", "bank_verification_mode",
        [["allow_any", "Allow any bank account"], ["existing_only", "Only accounts already known in ASPIRE"]], s.bank_verification_mode),
      field("Payment limit (USD)", "payment_limit", { value: s.payment_limit, inputMode: "decimal", pattern: "[0-9]+(\\.[0-9]{1,2})?" }),
      field("Days ahead a payment may be dated", "payment_max_days_ahead", { type: "number", min: 0, max: 365, value: s.payment_max_days_ahead })),
    h("fieldset", {}, h("legend", {}, "Login branding"),
      field("Logo URL", "logo_url", { type: "url", value: b.logo_url || "", required: false }),
      field("Background URL", "background_url", { type: "url", value: b.background_url || "", required: false }),
      field("Button colour", "button_color", { value: b.button_color || "", pattern: "#[0-9A-Fa-f]{6}", required: false }, "As #RRGGBB."),
      field("Support email", "support_email", { type: "email", value: b.support_email || "", required: false })),
  ], "Save settings", async (v, formEl) => {
    const branding = Object.fromEntries(["logo_url", "background_url", "button_color", "support_email"]
      .filter((k) => v[k].trim()).map((k) => [k, v[k].trim()]));
    await adminApi("PUT", "/admin/settings", { body: {
      mfa_all_sites: formEl.elements.mfa_all_sites.checked, bank_verification_mode: v.bank_verification_mode,
      payment_limit: v.payment_limit.trim(), payment_max_days_ahead: Number(v.payment_max_days_ahead), login_branding: branding,
    } });
    showNotice(alert, "Settings saved.");
  }, alert));
}
