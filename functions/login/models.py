"""Request and response bodies of the sign-in routes (validated by the resolver: 400 malformed, 422 invalid).

Every text field is a `portal.api.fields` type: bounded and free of control characters (a 422, passwords
included). Secrets are otherwise bounded in length only; the password rules live in the identity service, so
they apply the same way wherever a password is set.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from portal.api.fields import Code, Email, Id, Name, PostalCode, Secret, Token


class Body(BaseModel):
    # defer_build: a model's validator is built on its first use, not at import, so a cold start that serves a
    # login does not also build the enrollment, TOTP and password-change models (PRODUCT: cold start at the floor).
    model_config = ConfigDict(extra="ignore", defer_build=True)


class Out(BaseModel):
    model_config = ConfigDict(defer_build=True)


class LoginRequest(Body):
    email: Email
    password: Secret


class MfaRequest(Body):
    challenge_id: Id
    code: Code


class ResendRequest(Body):
    challenge_id: Id


class ForgotRequest(Body):
    email: Email


class TokenPasswordRequest(Body):
    token: Token
    password: Secret


class EnrollmentBody(Body):
    first_name: Name
    last_name: Name
    email: Email
    postal_code: PostalCode
    contract_id: Id


class ChangePasswordRequest(Body):
    current_password: Secret
    new_password: Secret


class TotpConfirmRequest(Body):
    code: Code


class TokenResponse(Out):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the token scheme, not a secret
    expires_in: int


class MfaChallengeResponse(Out):
    mfa_required: Literal[True] = True
    challenge_id: str
    mfa_method: Literal["email", "totp"]


class CheckEmailResponse(Out):
    status: Literal["check_email"] = "check_email"


class LinkedAccountOut(Out):
    account_id: str
    name: str | None


class MeResponse(Out):
    user_id: str
    site_id: str
    email: str
    first_name: str
    last_name: str
    status: Literal["Pending", "Active", "Inactive"]
    linked_accounts: list[LinkedAccountOut]
    mfa_methods: list[Literal["email", "totp"]]
    totp_enabled: bool


class TotpSetupResponse(Out):
    secret: str
    otpauth_uri: str
    qr_svg: str
