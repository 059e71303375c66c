"""What the identity services store and return, independent of how DynamoDB spells it.

Times the rules compare are epoch seconds (`int`), as the TTL attribute is; times people read are ISO strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from portal.domain.errors import BadRequest, Conflict, Unauthorized


class UserStatus(StrEnum):
    PENDING = "Pending"  # registered or invited, email not verified, no password
    ACTIVE = "Active"
    INACTIVE = "Inactive"


@dataclass(frozen=True)
class User:
    site_id: str
    user_id: str
    email: str  # normalised (stripped, casefolded): the username, unique per site
    first_name: str
    last_name: str
    status: UserStatus
    created_at: str
    password_hash: str | None = None
    # Raised by every password change: an emailed link carries the version it was sent under.
    password_version: int = 0
    # How many links of each purpose were sent: only the newest one of a purpose is redeemable.
    registration_serial: int = 0
    reset_serial: int = 0

    def link_serial(self, purpose: TokenPurpose) -> int:
        return self.registration_serial if purpose == "registration" else self.reset_serial


@dataclass(frozen=True)
class TotpSeed:
    """An authenticator app's seed, encrypted with KMS; `last_step` is the last RFC 6238 time-step accepted."""

    ciphertext: bytes
    last_step: int = 0
    expires: int | None = None  # set while the app is pending confirmation


@dataclass(frozen=True)
class UserRecord:
    """A user with everything kept in its partition: linked accounts and authenticator app."""

    user: User
    account_ids: tuple[str, ...] = ()
    totp: TotpSeed | None = None
    pending_totp: TotpSeed | None = None


@dataclass(frozen=True)
class SessionRecord:
    site_id: str
    session_id: str
    token_hash: str
    user_id: str
    created_at: int
    last_seen_at: int
    absolute_expiry: int


ChallengeMethod = Literal["email", "totp"]


@dataclass(frozen=True)
class Challenge:
    """The second step of a login: an emailed code (hashed) or a code from the user's authenticator app."""

    site_id: str
    challenge_id: str
    user_id: str
    method: ChallengeMethod
    expires: int  # the challenge itself; each emailed code has its own shorter `code_expires`
    code_hash: str | None = None
    code_expires: int = 0
    attempts: int = 0
    sends: int = 0
    used: bool = False


TokenPurpose = Literal["registration", "reset"]


@dataclass(frozen=True)
class EmailToken:
    site_id: str
    token_hash: str
    purpose: TokenPurpose
    user_id: str
    expires: int
    used: bool = False
    serial: int = 0  # the user's link serial of this purpose when the link was sent
    password_version: int = 0  # the user's password version when the link was sent

    def current_for(self, user: User) -> bool:
        """Still the newest link of its purpose, and no password was set since it was sent."""
        return self.serial == user.link_serial(self.purpose) and self.password_version == user.password_version


AttemptSubject = Literal["email", "user", "address"]


@dataclass(frozen=True)
class AttemptKey:
    """Whose failures are counted: `kind` is the route family (login, mfa, enroll, forgot, token, password)."""

    site_id: str
    kind: str
    subject_type: AttemptSubject
    subject: str


EnrollmentOutcome = Literal["user_created", "registration_resent", "already_registered", "not_eligible"]


@dataclass(frozen=True)
class EnrollmentAttempt:
    """The last self-enrollment attempt for an email on a site, for diagnostics (rule names, no entered data)."""

    at: str
    outcome: EnrollmentOutcome
    failed_rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class SentEmail:
    sent_at: str
    kind: str
    state: Literal["sent", "failed"]
    message_id: str | None = None


@dataclass(frozen=True)
class IssuedSession:
    access_token: str
    session_id: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the token scheme, not a secret


@dataclass(frozen=True)
class MfaRequired:
    challenge_id: str
    method: ChallengeMethod
    mfa_required: bool = True


LoginResult = IssuedSession | MfaRequired


@dataclass(frozen=True)
class LinkedAccount:
    account_id: str
    name: str | None = None


@dataclass(frozen=True)
class Profile:
    user_id: str
    site_id: str
    email: str
    first_name: str
    last_name: str
    status: UserStatus
    linked_accounts: tuple[LinkedAccount, ...] = ()
    mfa_methods: tuple[ChallengeMethod, ...] = ()
    totp_enabled: bool = False


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    otpauth_uri: str
    qr_svg: str


# --- errors the identity routes raise (mapped to HTTP by the one resolver) -------------------------------------
class InvalidCredentials(Unauthorized):
    """Login failed: the same answer for an unknown email, a wrong password and a user who may not log in."""

    def __init__(self) -> None:
        super().__init__("The email or password is incorrect.", code="invalid_credentials")


class InvalidCode(Unauthorized):
    def __init__(self) -> None:
        super().__init__("The code is wrong, used or expired; sign in again if it keeps failing.", code="invalid_code")


class InvalidToken(BadRequest):
    """A bad, used or expired emailed link (400)."""

    default_code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("This link is invalid, already used or expired; ask for a new one.")


class EmailTaken(Conflict):
    default_code = "email_taken"

    def __init__(self) -> None:
        super().__init__("A user with this email already exists on this site.")
