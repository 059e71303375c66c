// The admin console: routes under /admin, the layout, focus and titles, the return to sign-in on a 401.
import { h } from "/js/dom.js";
import { match, navigate, route, start } from "/js/router.js";
import { alertBox, showError, showNotice } from "/js/ui.js";
import { session, setUnauthorizedHandler } from "./api.js";
import { signIn } from "./pages/signin.js";
import * as sites from "./pages/sites.js";
import * as users from "./pages/users.js";
import * as diagnostics from "./pages/diagnostics.js";
import * as ops from "./pages/ops.js";

const A = "/admin";
route(`${A}/sign-in`, signIn, { title: "Sign in", public: true });
route(`${A}`, sites.list, { title: "Sites", nav: "sites" });
route(`${A}/sites/:site`, sites.edit, { title: "Site", nav: "sites" });
route(`${A}/settings`, sites.settings, { title: "Instance settings", nav: "settings" });
route(`${A}/users`, users.search, { title: "Users", nav: "users" });
route(`${A}/users/new`, users.create, { title: "New user", nav: "users" });
route(`${A}/sites/:site/users/:user_id`, users.detail, { title: "User", nav: "users" });
route(`${A}/accounts`, users.accounts, { title: "Accounts", nav: "accounts" });
route(`${A}/diagnostics`, diagnostics.page, { title: "Diagnostics", nav: "diagnostics" });
route(`${A}/sync`, ops.sync, { title: "Sync", nav: "sync" });
route(`${A}/audit`, ops.audit, { title: "Audit log", nav: "audit" });
route(`${A}/payments`, ops.payments, { title: "Payments", nav: "payments" });

const NAV = [["Sites", "", "sites"], ["Settings", "/settings", "settings"], ["Users", "/users", "users"],
  ["Accounts", "/accounts", "accounts"], ["Diagnostics", "/diagnostics", "diagnostics"], ["Sync", "/sync", "sync"],
  ["Audit log", "/audit", "audit"], ["Payments", "/payments", "payments"]];
const RETURN = "portal.admin.return";
const app = document.getElementById("app");
let notice = null;

// Several parallel calls can answer 401 for one expiry: only the first moves to sign-in (a second render of the
// form would wipe what the user has typed).
setUnauthorizedHandler(() => {
  if (match(location.pathname)?.public) return;
  sessionStorage.setItem(RETURN, location.pathname + location.search);
  notice = "Your session has ended. Please sign in again.";
  navigate(`${A}/sign-in`, { replace: true });
});

export function afterSignIn() {
  const back = sessionStorage.getItem(RETURN);
  sessionStorage.removeItem(RETURN);
  navigate(back && back.startsWith(`${A}`) && !back.startsWith(`${A}/sign-in`) ? back : `${A}/`, { replace: true });
}

function layout(current) {
  const claims = session.claims();
  const nav = claims
    ? h("nav", { "aria-label": "Main" }, h("ul", {},
        NAV.map(([label, path, key]) => h("li", {},
          h("a", { href: `${A}${path || "/"}`, "aria-current": current === key ? "page" : null }, label))),
        h("li", {}, h("button", { type: "button", class: "link", id: "sign-out" }, "Sign out"))))
    : null;
  const who = claims
    ? h("p", { class: "who" }, `Signed in as ${claims.email || claims["cognito:username"] || "staff"}`,
        session.canWrite() ? " (administrator)" : " (support: read only)")
    : null;
  const header = h("header", { class: "site-header" },
    h("div", { class: "brand" }, h("a", { href: `${A}/`, class: "site-name" }, "Customer Portal admin")), who, nav);
  const main = h("main", { id: "main", tabindex: "-1" });
  return { header, main };
}

let renders = 0;
async function render() {
  const id = ++renders;
  const found = match(location.pathname);
  if (!found || (!found.public && !session.token())) {
    if (found) sessionStorage.setItem(RETURN, location.pathname + location.search);
    return navigate(`${A}/sign-in`, { replace: true });
  }
  const { header, main } = layout(found.nav);
  const alert = alertBox();
  main.append(alert);
  app.replaceChildren(header, main);
  document.title = `${found.title} · Customer Portal admin`;
  header.querySelector("#sign-out")?.addEventListener("click", () => {
    session.clear();
    notice = "You are signed out.";
    navigate(`${A}/sign-in`);
  });
  // A message for this page: after sign-out or an expired session, or left by the page that navigated here.
  const message = notice || sessionStorage.getItem("portal.admin.notice");
  notice = null;
  sessionStorage.removeItem("portal.admin.notice");
  const context = {
    params: found.params, query: new URLSearchParams(location.search), main, alert, canWrite: session.canWrite(),
    afterSignIn, rerender: (text) => { notice = text; render(); },
  };
  try {
    await found.page(context);
  } catch (error) {
    if (error.status === 401) return;
    if (id !== renders) return;
    if (!main.querySelector("h1")) main.append(h("h1", { tabindex: "-1" }, found.title));
    showError(alert, error);
    return;
  }
  if (id !== renders) return;
  if (message) showNotice(alert, message);
  else (main.querySelector("h1") || main).focus();
}

start(render);
