// The borrower app: routes, the branded layout around each page, focus and titles, the expired-session return.
import { api, branding, session, setUnauthorizedHandler } from "./api.js";
import { h } from "./dom.js";
import { match, navigate, route, start } from "./router.js";
import { alertBox, applyBranding, layout, registerNav, showError, showNotice } from "./ui.js";
import * as auth from "./pages/auth.js";
import * as contracts from "./pages/contracts.js";
import { profile } from "./pages/profile.js";
import { pay } from "./pages/payments.js";
import { bankAccounts } from "./pages/payments-bank.js";
import { history, payment } from "./pages/payments-history.js";

const S = "/sites/:site";
route(`${S}/sign-in`, auth.signIn, { title: "Sign in", public: true });
route(`${S}/register`, auth.register, { title: "Register", public: true });
route(`${S}/verify-email`, auth.verifyEmail, { title: "Finish your registration", public: true });
route(`${S}/forgot-password`, auth.forgotPassword, { title: "Forgot your password?", public: true });
route(`${S}/reset-password`, auth.resetPassword, { title: "Choose a new password", public: true });
route(`${S}/home`, contracts.home, { title: "Your contracts", nav: "home", load: contracts.homeData });
route(`${S}`, contracts.home, { title: "Your contracts", nav: "home", load: contracts.homeData });
route(`${S}/contracts/:contract_id`, contracts.contract, { title: "Contract", nav: "home" });
route(`${S}/contracts/:contract_id/schedule`, contracts.schedule, { title: "Amortization schedule", nav: "home" });
route(`${S}/lines-of-credit`, contracts.linesOfCredit, { title: "Lines of credit", nav: "lines-of-credit" });
route(`${S}/profile`, profile, { title: "Your profile", nav: "profile" });
// payments (issue #11, part 2a): shown only when the site's branding says payments_enabled; with payments off
// the nav has no entry and each page says "not available" without asking the API anything.
route(`${S}/payments/new`, pay, { title: "Make a payment", nav: "payments/new" });
route(`${S}/payments`, history, { title: "Payment history", nav: "payments" });
route(`${S}/payments/:payment_id`, payment, { title: "Payment", nav: "payments" });
route(`${S}/bank-accounts`, bankAccounts, { title: "Bank accounts", nav: "bank-accounts" });
registerNav({ label: "Make a payment", path: "payments/new", when: (b) => b.payments_enabled });
registerNav({ label: "Payment history", path: "payments", when: (b) => b.payments_enabled });
registerNav({ label: "Bank accounts", path: "bank-accounts", when: (b) => b.payments_enabled });

const app = document.getElementById("app");
let notice = null; // a message to show on the next page (after sign-out, an expired session)

// An authenticated call answered 401: remember the page, and sign in again (then back to it, auth.js).
// A page's calls run in parallel (a contract and its invoices), so several 401s can arrive for one expiry: only
// the first moves to sign-in; a later one would render the form again and wipe what the user has typed.
setUnauthorizedHandler((site) => {
  if (match(location.pathname)?.public) return;
  sessionStorage.setItem(`portal.return.${site}`, location.pathname + location.search);
  notice = "Your session has ended. Please sign in again.";
  navigate(`/sites/${encodeURIComponent(site)}/sign-in`, { replace: true });
});

function landing() {
  const main = h("main", { id: "main", tabindex: "-1" },
    h("h1", {}, "Customer Portal"),
    h("p", {}, "Open the link of your finance company's portal, for example /sites/<your site>/sign-in."));
  app.replaceChildren(main);
  document.title = "Customer Portal";
}

let renders = 0;
async function render() {
  const render_id = ++renders;
  const found = match(location.pathname);
  if (!found) return landing();
  const site = found.params.site;
  if (!found.public && !session.get(site)) {
    sessionStorage.setItem(`portal.return.${site}`, location.pathname + location.search);
    return navigate(`/sites/${encodeURIComponent(site)}/sign-in`, { replace: true });
  }
  // A page's `load` (its API calls) starts with the branding request rather than after it.
  const query = new URLSearchParams(location.search);
  const data = found.load ? found.load({ site, params: found.params, query }) : null;
  data?.catch(() => {}); // awaited (and its error shown) by the page; never an unhandled rejection
  let brand;
  try {
    brand = await branding(site);
  } catch (error) {
    const main = h("main", { id: "main", tabindex: "-1" }, h("h1", {}, error.status === 404 ? "Site not found" : "The portal is not available"),
      h("p", {}, error.status === 404 ? "Check the address of your portal." : error.message));
    app.replaceChildren(main);
    return;
  }
  if (render_id !== renders) return;
  applyBranding(site, brand);
  document.body.style.removeProperty("--login-bg"); // the login background belongs to the sign-in pages only
  const { header, main, footer } = layout(site, brand, { signedIn: !found.public, current: found.nav });
  const alert = alertBox();
  main.append(alert);
  app.replaceChildren(header, main, footer);
  document.title = `${found.title} · ${brand.display_name}`;
  header.querySelector("#sign-out")?.addEventListener("click", async () => {
    try {
      await api(site, "POST", "/auth/logout");
    } catch {
      // Signed out locally whatever the API says: the token is forgotten either way.
    }
    session.clear(site);
    notice = "You are signed out.";
    navigate(`/sites/${encodeURIComponent(site)}/sign-in`);
  });
  const context = {
    site, params: found.params, query, branding: brand, main, alert, title: found.title, data,
    rerender: (message) => { notice = message; render(); },
  };
  const message = notice;
  notice = null;
  try {
    await found.page(context);
  } catch (error) {
    if (error.status === 401) return; // the unauthorized handler has moved on to sign-in
    if (error.status === 404) main.append(h("h1", { tabindex: "-1" }, "Not found"), h("p", {}, error.message));
    showError(alert, error);
    return;
  }
  if (render_id !== renders) return;
  if (message) showNotice(alert, message);
  else (main.querySelector("h1") || main).focus();
}

start(render);
