// Signing in and the pages of the emailed links: sign in (password, then the emailed or app code), register,
// verify email, forgot password, reset password.
import { api, session } from "../api.js";
import { h } from "../dom.js";
import { navigate } from "../router.js";
import { field, form, guarded, showNotice } from "../ui.js";

const base = (site) => `/sites/${encodeURIComponent(site)}`;

// Where to go after signing in: the page the user was on when the session ended, if it is one of this site's.
export function takeReturnPath(site) {
  const path = sessionStorage.getItem(`portal.return.${site}`);
  sessionStorage.removeItem(`portal.return.${site}`);
  return path && path.startsWith(`${base(site)}/`) && !path.startsWith(`${base(site)}/sign-in`) ? path : `${base(site)}/home`;
}

function signedIn(site, answer) {
  session.set(site, answer.access_token);
  navigate(takeReturnPath(site), { replace: true });
}

function loginBranding(branding, main) {
  const lb = branding.login_branding || {};
  if (lb.background_url && /^https:\/\//.test(lb.background_url)) {
    document.body.style.setProperty("--login-bg", `url("${encodeURI(lb.background_url)}")`);
  }
  if (lb.logo_url && /^https:\/\//.test(lb.logo_url)) {
    const logo = h("img", { src: lb.logo_url, alt: "", class: "logo" });
    logo.addEventListener("error", () => logo.remove());
    main.prepend(logo);
  }
}

export async function signIn({ site, branding, main, alert, title }) {
  main.classList.add("login");
  loginBranding(branding, main);
  const step = h("div");
  const passwordStep = () => {
    step.replaceChildren(form([
      field("Email", "email", { type: "email", autocomplete: "username" }),
      field("Password", "password", { type: "password", autocomplete: "current-password" }),
    ], "Sign in", async ({ email, password }) => {
      const answer = await api(site, "POST", "/auth/login", { body: { email, password }, auth: false });
      if (answer.mfa_required) codeStep(answer);
      else signedIn(site, answer);
    }, alert),
    h("p", {}, h("a", { href: `${base(site)}/forgot-password` }, "Forgot your password?")),
    h("p", {}, "New here? ", h("a", { href: `${base(site)}/register` }, "Register for online access")));
  };
  const codeStep = ({ challenge_id, mfa_method }) => {
    const byApp = mfa_method === "totp";
    const hint = byApp
      ? "Enter the six-digit code your authenticator app shows for this portal."
      : "We emailed you a six-digit code. It works once and expires after 5 minutes.";
    const resend = byApp ? null : h("button", { type: "button", class: "secondary", onclick: guarded(alert, async () => {
      await api(site, "POST", "/auth/mfa/resend", { body: { challenge_id }, auth: false });
      showNotice(alert, "A new code is on its way. The previous code no longer works.");
    }) }, "Email me a new code");
    step.replaceChildren(
      h("h2", { tabindex: "-1", id: "code-heading" }, byApp ? "Enter your app code" : "Check your email"),
      form([field("Code", "code", { inputMode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxLength: 6 }, hint)],
        "Verify", async ({ code }) => {
          signedIn(site, await api(site, "POST", "/auth/mfa", { body: { challenge_id, code: code.trim() }, auth: false }));
        }, alert),
      resend);
    alert.hidden = true;
    step.querySelector("#code-heading").focus();
  };
  passwordStep();
  main.append(h("h1", { tabindex: "-1" }, title), step);
}

export async function register({ site, branding, main, alert, title }) {
  main.classList.add("login");
  const done = h("div");
  main.append(h("h1", { tabindex: "-1" }, title),
    h("p", {}, `Register to see your ${branding.display_name} contracts online. Use the details printed on your contract or invoice.`),
    form([
      field("First name", "first_name", { autocomplete: "given-name" }),
      field("Last name", "last_name", { autocomplete: "family-name" }),
      field("Email", "email", { type: "email", autocomplete: "email" },
        "Use the email address we have on file for your company, for you as its contact, or for the billing address of the contract."),
      field("Contract number", "contract_id", {}, "As on your contract or invoice, for example CN-0001234."),
      field("Billing postal code", "postal_code", { autocomplete: "postal-code" },
        "The postal or ZIP code of the contract's billing address (not your home address, if different)."),
    ], "Register", async (values, el) => {
      await api(site, "POST", "/enrollment", { body: values, auth: false });
      el.remove();
      done.replaceChildren(h("h2", {}, "Check your email"),
        h("p", {}, "If these details match our records, we sent you an email with a link to choose your password. If you already have an account, the email tells you how to sign in."));
      showNotice(alert, "Registration received. Check your email.");
    }, alert),
    done,
    h("p", {}, "Already registered? ", h("a", { href: `${base(site)}/sign-in` }, "Sign in")));
}

function tokenFrom(query) {
  const token = query.get("token");
  return token && /^[A-Za-z0-9_-]{1,128}$/.test(token) ? token : null;
}

function choosePassword({ site, main, alert, title, query }, path, intro, success) {
  main.classList.add("login");
  main.append(h("h1", { tabindex: "-1" }, title));
  const token = tokenFrom(query);
  if (!token) {
    main.append(h("p", {}, "This link is not complete. Copy the whole link from the email, or ask for a new one."),
      h("p", {}, h("a", { href: `${base(site)}/forgot-password` }, "Ask for a new link")));
    return;
  }
  main.append(h("p", {}, intro), form([
    field("New password", "password", { type: "password", autocomplete: "new-password", minLength: 8 },
      "At least 8 characters. A long phrase you can remember is best."),
  ], "Save password", async ({ password }, el) => {
    await api(site, "POST", path, { body: { token, password }, auth: false });
    history.replaceState(null, "", `${base(site)}/${location.pathname.split("/").pop()}`); // drop the used token
    // One message (announced by the alert), then where to go next.
    el.replaceWith(h("p", {}, h("a", { href: `${base(site)}/sign-in` }, "Sign in with your new password")));
    showNotice(alert, success);
  }, alert));
}

export async function verifyEmail(context) {
  choosePassword(context, "/enrollment/verify", "Choose a password to activate your account.", "Your password is saved and your account is active.");
}

export async function resetPassword(context) {
  choosePassword(context, "/auth/password/reset", "Choose a new password for your account.", "Your password was changed.");
}

export async function forgotPassword({ site, main, alert, title }) {
  main.classList.add("login");
  main.append(h("h1", { tabindex: "-1" }, title),
    h("p", {}, "Enter the email address you sign in with. We will email you a link to choose a new password."),
    form([field("Email", "email", { type: "email", autocomplete: "email" })], "Email me a link", async ({ email }, el) => {
      await api(site, "POST", "/auth/password/forgot", { body: { email }, auth: false });
      el.replaceWith(h("p", {}, "If an account uses this address, a link is on its way. It works once, for 30 minutes."));
      showNotice(alert, "Check your email.");
    }, alert),
    h("p", {}, h("a", { href: `${base(site)}/sign-in` }, "Back to sign in")));
}
