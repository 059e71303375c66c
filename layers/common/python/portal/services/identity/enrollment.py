"""Self-enrollment ("Register", PRODUCT.md §4) and the verification link that activates the new user.

Eligibility is `portal.domain.enrollment.enrollment_eligibility` over what the sync wrote for the contract
and its customer (read by key). Eligible details always get the same 202, whether the email is new (a
Pending user, linked to the customer's account, and a verification email) or already has a user (an email
telling them to log in or reset their password): only the mailbox's owner learns which. Details that do not
match get 422 `details_not_matched`, and which checks failed is kept for support (diagnostics), never told.
"""

from __future__ import annotations

from collections.abc import Sequence

from portal.domain.checks import Verdict
from portal.domain.enrollment import EnrollmentFacts, EnrollmentRequest, enrollment_eligibility
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.emails import already_registered_email, registration_email
from portal.observability import logger
from portal.services.identity.clock import iso
from portal.services.identity.context import IdentityContext
from portal.services.identity.models import (
    AttemptKey,
    EmailTaken,
    EnrollmentAttempt,
    EnrollmentOutcome,
    UserRecord,
    UserStatus,
)
from portal.services.identity.recovery import redeem
from portal.services.identity.users import UserService


class EnrollmentService:
    def __init__(self, ctx: IdentityContext, users: UserService) -> None:
        self._ctx = ctx
        self._users = users

    def enroll(self, site_id: str, request: EnrollmentRequest) -> None:
        with self._ctx.pacer.paced():
            self._ctx.site(site_id)
            email = request.email.strip().casefold()
            with self._ctx.throttle.attempt(AttemptKey(site_id, "enroll", "email", email)) as attempt:
                verdict, account_id = self.eligibility(site_id, request)
                if not verdict.ok or account_id is None:
                    failed = tuple(check.rule for check in verdict.failed)
                    self._record(site_id, email, "not_eligible", failed)
                    logger.info("enrollment not eligible", extra={"site_id": site_id, "failed_rules": list(failed)})
                    raise ValidationFailed(
                        "These details do not match our records. Check them against a recent invoice.",
                        code="details_not_matched",
                    )
                attempt.succeeded()
            existing = self._users.find_by_email(site_id, email)
            if existing is None:
                try:
                    user = self._users.create_user(
                        site_id, email, request.first_name, request.last_name, [account_id], link_source="enrollment"
                    )
                except EmailTaken:  # registered a moment ago by a concurrent request
                    existing = self._users.find_by_email(site_id, email)
                else:
                    self._send_registration(site_id, UserRecord(user, (account_id,)), capped=True)
                    self._record(site_id, email, "user_created")
            if existing is not None:
                self._notify_existing(site_id, existing)
            # Both branches ask for the sync, so the answer takes as long for a known email as for a new one.
            self._ctx.customer_sync([account_id])

    def eligibility(self, site_id: str, request: EnrollmentRequest) -> tuple[Verdict, str | None]:
        """The checklist, and the customer account to link when it passed. A contract can have several
        Customer accounts; the request is eligible through any of them."""
        contract = self._ctx.records.contract(site_id, request.contract_id.strip())
        if contract is None:
            return enrollment_eligibility(request, EnrollmentFacts(contract=None)), None
        verdicts: list[Verdict] = []
        candidates: Sequence[str | None] = contract.customer_account_ids or (None,)
        for account_id in candidates:
            account = self._ctx.records.account(site_id, account_id) if account_id else None
            facts = EnrollmentFacts(
                contract=contract.facts,
                customer_account_id=account_id,
                customer_email=",".join(account.emails) if account else None,
                contact_emails=account.contact_emails if account else (),
                bill_to_email=",".join(contract.bill_to_emails),
                billing_postal_code=contract.bill_to_postal_code,
            )
            verdict = enrollment_eligibility(request, facts)
            if verdict.ok:
                return verdict, account_id
            verdicts.append(verdict)
        return verdicts[0], None

    def resend_registration(self, site_id: str, user_id: str) -> None:
        """The admin API's Resend Registration: Pending users only (409 otherwise)."""
        record = self._users.get(site_id, user_id)
        if record is None:
            raise NotFound("There is no such user on this site.", code="user_not_found")
        if record.user.status != UserStatus.PENDING:
            raise Conflict("Only Pending users can be sent the registration email again.", code="user_not_pending")
        self._send_registration(site_id, record, capped=False)

    def _send_registration(self, site_id: str, record: UserRecord, *, capped: bool) -> None:
        """A fresh registration link (earlier ones are void). `capped`: asked for by an unauthenticated
        route, so subject to the hourly cap of emails per address."""
        user = record.user
        if capped and not self._ctx.may_email(site_id, user.email, "registration"):
            return
        token = self._ctx.issue_email_token(site_id, user.user_id, "registration")
        if token is None:
            return
        link = self._ctx.link(site_id, "verify-email", token)
        self._ctx.deliver(site_id, registration_email(user.email, self._ctx.branding(site_id), user.first_name, link))

    def _notify_existing(self, site_id: str, record: UserRecord) -> None:
        if record.user.status == UserStatus.PENDING:
            # Registered before but never confirmed: a fresh link is what helps them.
            self._send_registration(site_id, record, capped=True)
            self._record(site_id, record.user.email, "registration_resent")
            return
        if self._ctx.may_email(site_id, record.user.email, "already_registered"):
            login, forgot = self._ctx.link(site_id, "sign-in"), self._ctx.link(site_id, "forgot-password")
            self._ctx.deliver(
                site_id, already_registered_email(record.user.email, self._ctx.branding(site_id), login, forgot)
            )
        self._record(site_id, record.user.email, "already_registered")

    def _record(self, site_id: str, email: str, outcome: EnrollmentOutcome, failed: tuple[str, ...] = ()) -> None:
        attempt = EnrollmentAttempt(iso(self._ctx.now()), outcome, failed)
        self._ctx.store.put_enrollment_attempt(site_id, email, attempt)

    def verify(self, site_id: str, token: str, password: str, source: str) -> None:
        """The registration link: sets the password, and the Pending user becomes Active."""
        self._ctx.site(site_id)
        record = redeem(self._ctx, site_id, token, "registration", password, source, require=UserStatus.PENDING)
        logger.info("user verified", extra={"site_id": site_id, "user_id": record.user.user_id})
