// Sign-in against the admin Cognito user pool straight from the browser, no SDK: the JSON 1.1 protocol of
// cognito-idp (POST, X-Amz-Target) with the app client's USER_PASSWORD_AUTH flow, then its challenges.
import { ApiError, fetchJson, loadConfig } from "./api.js";

const MESSAGES = {
  NotAuthorizedException: "Incorrect email or password.",
  UserNotFoundException: "Incorrect email or password.",
  CodeMismatchException: "That code is not right. Enter the current 6-digit code of your authenticator app.",
  ExpiredCodeException: "That code has expired. Enter the current code.",
  EnableSoftwareTokenMFAException: "That code is not right. Enter the current 6-digit code of your authenticator app.",
  PasswordResetRequiredException: "Your password must be reset. Ask another administrator to reset it.",
  TooManyRequestsException: "Too many attempts. Wait a minute and try again.",
  LimitExceededException: "Too many attempts. Wait a minute and try again.",
};

export async function cognito(action, body, { client = true } = {}) {
  const { admin_cognito: pool } = await loadConfig();
  if (!pool?.endpoint) throw new ApiError(0, "not_configured", "The admin sign-in is not configured (config.json has no admin_cognito).");
  const init = {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(client ? { ClientId: pool.client_id, ...body } : body),
  };
  const { response, data: found } = await fetchJson(pool.endpoint, init, "The sign-in service");
  const data = found || {};
  if (!response.ok) {
    const type = String(data.__type || "").split("#").pop();
    // InvalidPasswordException's own message names the password rule that failed: show it as it is.
    const message = MESSAGES[type] || data.message || "Sign-in failed; please try again.";
    throw new ApiError(response.status, type || "error", message);
  }
  return data;
}

export const initiate = (email, password) =>
  cognito("InitiateAuth", { AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } });

export const respond = (challenge, session, responses) =>
  cognito("RespondToAuthChallenge", { ChallengeName: challenge, Session: session, ChallengeResponses: responses });

// AssociateSoftwareToken and VerifySoftwareToken name the session only, not the app client.
export const associateTotp = (session) => cognito("AssociateSoftwareToken", { Session: session }, { client: false });
export const verifyTotp = (session, code) =>
  cognito("VerifySoftwareToken", { Session: session, UserCode: code, FriendlyDeviceName: "Admin console" }, { client: false });
