// Layout, branding and the accessible pieces every page shares (alerts, forms, as_of, focus on navigation).
import { h } from "./dom.js";

// Nav entries of later features. An entry shows only when its `when(branding)` is true, so the payments pages
// (issue #11, part 2a) register theirs with `when: (b) => b.payments_enabled` next to their `route(...)` calls
// in main.js: with payments off there is no entry.
const extraNav = [];
export function registerNav(entry) {
  extraNav.push(entry);
}

function luminance(hex) {
  const value = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  if (!value) return null;
  const channels = [0, 2, 4].map((i) => parseInt(value[1].slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

// The text colour that reads on a brand colour (white or near-black, whichever contrasts more), so a site's
// chosen colour never makes the header or a button fail WCAG contrast.
export function textOn(hex) {
  const l = luminance(hex);
  if (l === null) return null;
  return (1.05 / (l + 0.05)) >= ((l + 0.05) / 0.05) ? "#ffffff" : "#111111";
}

export function applyBranding(site, branding) {
  const root = document.documentElement.style;
  // CSSOM properties, not style attributes: the CSP (style-src 'self') allows these.
  if (textOn(branding.header_color)) {
    root.setProperty("--header-bg", branding.header_color);
    root.setProperty("--header-fg", textOn(branding.header_color));
  }
  const button = branding.login_branding?.button_color;
  if (textOn(button)) {
    root.setProperty("--button-bg", button);
    root.setProperty("--button-fg", textOn(button));
  }
}

function image(src, alt, className) {
  if (!src || !/^https:\/\//.test(src)) return null;
  const img = h("img", { src, alt, class: className });
  img.addEventListener("error", () => img.remove()); // an unreachable banner leaves no broken image
  return img;
}

export function layout(site, branding, { signedIn, current }) {
  const base = `/sites/${encodeURIComponent(site)}`;
  const link = (label, path) =>
    h("li", {}, h("a", { href: `${base}/${path}`, "aria-current": current === path ? "page" : null }, label));
  const nav = signedIn
    ? h("nav", { "aria-label": "Main" }, h("ul", {},
        link("Contracts", "home"),
        link("Lines of credit", "lines-of-credit"),
        extraNav.filter((e) => e.when(branding)).map((e) => link(e.label, e.path)),
        link("Profile", "profile"),
        h("li", {}, h("button", { type: "button", class: "link", id: "sign-out" }, "Sign out")),
      ))
    : null;
  const header = h("header", { class: "site-header" },
    h("div", { class: "brand" },
      image(branding.banner_url, "", "banner"),
      h("a", { href: signedIn ? `${base}/home` : `${base}/sign-in`, class: "site-name" }, branding.display_name)),
    nav);
  const main = h("main", { id: "main", tabindex: "-1" });
  const footer = h("footer", {}, h("p", {}, "Questions? Write to ",
    h("a", { href: `mailto:${branding.login_branding?.support_email || ""}` }, branding.login_branding?.support_email || "support"), "."));
  return { header, main, footer };
}

export function alertBox() {
  return h("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true });
}

// Show an API error (or any message) where a screen reader announces it, and move focus there.
export function showError(box, error) {
  box.replaceChildren(h("p", {}, error.message || String(error)));
  if (error.fields?.length) {
    box.append(h("ul", {}, error.fields.map((f) => h("li", {}, `${f.field}: ${f.issue}`))));
  }
  box.className = "alert error";
  box.hidden = false;
  box.focus();
}

export function showNotice(box, message) {
  box.replaceChildren(h("p", {}, message));
  box.className = "alert notice";
  box.hidden = false;
  box.focus();
}

export function field(label, name, attrs = {}, hint = null) {
  const id = `f-${name}`;
  return h("div", { class: "field" },
    h("label", { htmlFor: id }, label),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    h("input", { id, name, required: true, "aria-describedby": hint ? `${id}-hint` : null, ...attrs }));
}

// A form whose submit disables its button while `action(values)` runs and shows what fails in `box`.
export function form(fields, submitLabel, action, box) {
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  const el = h("form", { noValidate: false }, fields, button);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(el).entries());
    button.disabled = true;
    box.hidden = true;
    try {
      await action(values, el);
    } catch (error) {
      showError(box, error);
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

export function asOf(value) {
  if (!value) return h("p", { class: "as-of" }, "Not synced yet.");
  const when = new Date(value);
  return h("p", { class: "as-of" }, "Data as of ",
    h("time", { dateTime: value }, when.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" })), ".");
}

export function table(caption, columns, rows) {
  return h("div", { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" },
    h("table", {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map(([label]) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, cell], i) =>
        i === 0 ? h("th", { scope: "row" }, cell(row)) : h("td", {}, cell(row))))))));
}

// A click handler that shows what fails in `box` instead of losing it in the console.
export function guarded(box, fn) {
  return async (event) => {
    try {
      await fn(event);
    } catch (error) {
      showError(box, error);
    }
  };
}
