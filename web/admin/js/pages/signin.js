// Sign-in at the admin pool: password, then whichever challenge Cognito answers with (authenticator code,
// authenticator set-up, new password). The IdToken is the bearer of the admin API (its authorizer checks it).
import { h } from "/js/dom.js";
import { field, form } from "/js/ui.js";
import { session } from "../api.js";
import { associateTotp, initiate, respond, verifyTotp } from "../cognito.js";

export function signIn(context) {
  const { main, alert } = context;
  const step = h("div", {});
  main.append(h("h1", { tabindex: "-1" }, "Admin sign-in"), step);
  let email = "";

  const show = (heading, ...content) => {
    step.replaceChildren(h("h2", { tabindex: "-1" }, heading), ...content);
    step.querySelector("input")?.focus();
  };

  async function next(result) {
    if (result.AuthenticationResult) {
      session.set(result.AuthenticationResult.IdToken);
      return context.afterSignIn();
    }
    const username = result.ChallengeParameters?.USER_ID_FOR_SRP || email;
    const challenge = result.ChallengeName;
    if (challenge === "SOFTWARE_TOKEN_MFA") {
      return show("Authenticator code",
        form([field("Code", "code", { inputMode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}" },
          "The 6-digit code your authenticator app shows for the Customer Portal admin console.")], "Verify",
        async (v) => next(await respond(challenge, result.Session, { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: v.code.trim() })), alert));
    }
    if (challenge === "NEW_PASSWORD_REQUIRED") {
      return show("Choose a new password",
        form([field("New password", "password", { type: "password", autocomplete: "new-password", minLength: 14 },
          "At least 14 characters with upper and lower case letters, a digit and a symbol.")], "Save password",
        async (v) => next(await respond(challenge, result.Session, { USERNAME: username, NEW_PASSWORD: v.password })), alert));
    }
    if (challenge === "MFA_SETUP") {
      const setup = await associateTotp(result.Session);
      const uri = `otpauth://totp/${encodeURIComponent(`Customer Portal admin:${email}`)}?secret=${setup.SecretCode}&issuer=${encodeURIComponent("Customer Portal admin")}`;
      return show("Set up your authenticator app",
        h("p", {}, "Signing in to the admin console needs an authenticator app. Add an account in the app with this key, then enter the code it shows."),
        h("p", {}, "Key: ", h("code", { class: "secret" }, setup.SecretCode)),
        h("p", { class: "hint" }, "Or paste this link into an app that accepts one: ", h("code", { class: "secret" }, uri)),
        form([field("Code", "code", { inputMode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}" })], "Verify",
          async (v) => {
            const verified = await verifyTotp(setup.Session, v.code.trim());
            next(await respond("MFA_SETUP", verified.Session, { USERNAME: username }));
          }, alert));
    }
    throw new Error(`Cognito asked for ${challenge || "an unknown step"}, which this console does not support.`);
  }

  show("Email and password",
    form([
      field("Email", "email", { type: "email", autocomplete: "username" }),
      field("Password", "password", { type: "password", autocomplete: "current-password" }),
    ], "Sign in", async (v) => {
      email = v.email.trim();
      await next(await initiate(email, v.password));
    }, alert));
  main.querySelector("h1").focus();
}
