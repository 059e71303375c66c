"""Diagnostics 1-3 of PRODUCT.md §8 as API.md checklists: `{"verdict", "checks": [{"rule", "passed", "detail"}]}`.

The checks that decide visibility and linkability are the domain rules' own (`contract_visible_to`,
`account_linkable_on`): there is no second implementation here. Around them come the facts only the portal's
records know (does the user exist, is the contract synced and to which site, did a sync run since the user was
linked, was an ASPIRE restore detected since the last success, which emails were sent and what SES said).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from portal.domain.checks import Check, Verdict, format_ids
from portal.domain.contracts import SyncRun
from portal.domain.linkability import VERDICT_LINKABLE, VERDICT_NOT_LINKABLE
from portal.domain.sites import SiteMap
from portal.domain.visibility import VERDICT_NOT_VISIBLE, VERDICT_VISIBLE, contract_visible_to
from portal.ports import ContractReader
from portal.services.admin_accounts import require_site
from portal.services.linkability_facts import AccountFactsReader, linkability

VERDICT_NO_PROBLEM = "no_problem_found"
VERDICT_PROBLEM = "problem_found"
EMAIL_PROBLEMS = {"bounced", "complained"}


@dataclass(frozen=True)
class UserFacts:
    """A user as support sees it: status, when it was created and when each account was linked."""

    user_id: str
    email: str
    first_name: str
    last_name: str
    status: str
    created_at: str
    links: tuple[tuple[str, str], ...] = ()  # (account_id, linked_at)

    @property
    def account_ids(self) -> tuple[str, ...]:
        return tuple(account for account, _ in self.links)


class DiagnosticsReader(Protocol):
    def user_facts(self, site_id: str, user_id: str) -> UserFacts | None: ...

    def contract_site(self, contract_id: str) -> str | None:
        """The site the sync last stored the contract on (its manifest), None when it is not synced."""
        ...

    def restore_events(self, limit: int = 5) -> list[dict[str, Any]]: ...


class EnrollmentReader(Protocol):
    def user_id_for_email(self, site_id: str, email: str) -> str | None: ...

    def get_enrollment_attempt(self, site_id: str, email: str) -> Any: ...


class MailReader(Protocol):
    def recent(self, site_id: str, email: str, limit: int = 10) -> Sequence[Any]: ...


def _when(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _last_success(runs: Sequence[SyncRun]) -> SyncRun | None:
    return max(runs, key=lambda run: run.started_at, default=None)


def _user_checks(site_id: str, user_id: str, user: UserFacts | None) -> list[Check]:
    if user is None:
        return [
            Check("user_exists", False, f"no user {user_id} on site {site_id}"),
            Check("user_active", False, f"cannot be met: no user {user_id} on site {site_id}"),
        ]
    active = user.status == "Active"
    state = "is Active" if active else f"is {user.status}"
    if user.status == "Pending":
        state += " (the registration link has not been followed yet)"
    return [
        Check("user_exists", True, f"user {user_id} ({user.email}) exists on site {site_id} since {user.created_at}"),
        Check("user_active", active, f"user {user_id} {state}"),
    ]


def _synced_since_change(
    user: UserFacts | None, synced_to: str | None, contract_id: str, last: SyncRun | None
) -> Check:
    """Could the sync not have caught up yet? Only when the contract is in the portal nowhere and the user (or
    a link) is newer than the last successful run; a contract stored on some site was synced, and what keeps
    it from the user is then another check (its label, a role)."""
    rule = "synced_since_change"
    if last is None:
        return Check(rule, False, "no sync run has succeeded yet: wait for the first sync or start a full sync")
    since = f"the last successful sync ({last.job}) started {last.started_at.isoformat()}"
    changes = (
        []
        if user is None
        else [(f"user created {user.created_at}", user.created_at)]
        + [(f"account {account} linked {at}", at) for account, at in user.links]
    )
    newer = [label for label, at in changes if (moment := _when(at)) is not None and moment > last.started_at]
    if synced_to is not None:
        detail = f"contract {contract_id} is in the portal (site {synced_to}); {since}"
        return Check(rule, True, detail + (f" ({'; '.join(newer)} since then)" if newer else ""))
    if newer:
        return Check(rule, False, f"{'; '.join(newer)}, after {since}: wait for the next incremental sync "
                                  "(every 15 minutes) or start a full sync")  # fmt: skip
    return Check(rule, True, f"{since}, after the user's last change; the contract's ASPIRE change time is not kept")


def _no_restore_pending(events: Sequence[dict[str, Any]], last: SyncRun | None) -> Check:
    restores = [e for e in events if e.get("kind") == "restore_detected"]
    pending = [e for e in restores if last is None or (_when(e.get("at")) or last.started_at) >= last.started_at]
    if pending:
        at = pending[0].get("at")
        return Check("no_restore_pending", False, f"an ASPIRE restore was detected at {at}, after the last successful "
                     "sync: the full resync it triggers has not finished yet")  # fmt: skip
    if restores:
        return Check("no_restore_pending", True, f"the last restore, detected at {restores[0].get('at')}, was "
                     "followed by a successful sync")  # fmt: skip
    return Check("no_restore_pending", True, "no ASPIRE restore detected recently")


def contract_visibility(
    site_id: str,
    user_id: str,
    contract_id: str,
    *,
    diagnostics: DiagnosticsReader,
    contracts: ContractReader,
    site_map: SiteMap,
) -> dict[str, Any]:
    """Why user U does (not) see contract C on site S: `visible` / `not_visible` and every check."""
    require_site(site_map, site_id)
    user = diagnostics.user_facts(site_id, user_id)
    checks = _user_checks(site_id, user_id, user)
    batch = contracts.read_contracts(site_id, [contract_id], financials=False)
    last = _last_success(batch.runs)
    record = batch.contracts.get(contract_id)
    synced_to: str | None = site_id if record is not None else None
    if record is not None:
        checks.append(Check("contract_synced", True, f"contract {contract_id} is synced to site {site_id}"))
    else:
        elsewhere = diagnostics.contract_site(contract_id)
        if elsewhere is not None and elsewhere != site_id:
            checks.append(Check("contract_synced", False, f"contract {contract_id} is synced to site {elsewhere}, "
                                f"not {site_id}"))  # fmt: skip
            record = contracts.read_contracts(elsewhere, [contract_id], financials=False).contracts.get(contract_id)
            synced_to = elsewhere if record is not None else None
        else:
            checks.append(Check("contract_synced", False, f"contract {contract_id} is not in the portal: not in "
                                "ASPIRE, not booked under a mapped label, or not synced yet"))  # fmt: skip
    if record is not None:
        linked = user.account_ids if user is not None else ()
        checks.extend(contract_visible_to(record.facts, linked, site_id, site_map).checks)
    checks.append(_synced_since_change(user, synced_to, contract_id, last))
    checks.append(_no_restore_pending(diagnostics.restore_events(), last))
    return Verdict(tuple(checks)).as_dict(VERDICT_VISIBLE, VERDICT_NOT_VISIBLE)


def account_linkability(
    site_id: str, account_id: str, *, reader: AccountFactsReader, site_map: SiteMap
) -> dict[str, Any]:
    """Why account A can (not) be linked on site S: `linkable` / `not_linkable` and every check."""
    require_site(site_map, site_id)
    verdict = linkability(site_id, account_id, reader=reader, site_map=site_map)
    return verdict.as_dict(VERDICT_LINKABLE, VERDICT_NOT_LINKABLE)


def _email_check(emails: Sequence[Any], email_note: str) -> Check:
    rule = "emails_delivered"
    if not emails:
        return Check(rule, False, f"no email was sent to {email_note} on this site in the last 90 days")
    described = []
    for mail in emails[:5]:
        state = mail.delivery or ("not sent: the provider refused it" if mail.state == "failed" else "sent")
        described.append(f"{mail.kind} at {mail.sent_at}: {state}")
    newest = emails[0]
    failed = newest.state == "failed" or newest.delivery in EMAIL_PROBLEMS
    detail = f"last emails: {format_ids(described)}"
    if newest.delivery in EMAIL_PROBLEMS and newest.delivery_detail:
        detail += f" ({newest.delivery_detail})"
    return Check(rule, not failed, detail)


def _enrollment_check(attempt: Any) -> Check:
    rule = "enrollment_checks_passed"
    if attempt is None:
        return Check(rule, True, "no self-enrollment attempt recorded in the last 90 days")
    if attempt.failed_rules:
        return Check(rule, False, f"the last self-enrollment attempt ({attempt.at}, {attempt.outcome}) failed: "
                     f"{format_ids(attempt.failed_rules)}")  # fmt: skip
    return Check(rule, True, f"the last self-enrollment attempt ({attempt.at}) passed: {attempt.outcome}")


def enrollment(
    site_id: str,
    email: str,
    *,
    identity: EnrollmentReader,
    diagnostics: DiagnosticsReader,
    mail: MailReader,
    site_map: SiteMap,
) -> dict[str, Any]:
    """Why this person did not get their registration / MFA email, or cannot sign in."""
    require_site(site_map, site_id)
    user_id = identity.user_id_for_email(site_id, email)
    user = diagnostics.user_facts(site_id, user_id) if user_id is not None else None
    checks = (
        _user_checks(site_id, user_id, user)
        if user_id is not None
        else [
            Check("user_exists", False, f"no user with this email on site {site_id}"),
            Check("user_active", False, f"cannot be met: no user with this email on site {site_id}"),
        ]
    )
    emails = list(mail.recent(site_id, email))
    checks.append(_email_check(emails, "this address"))
    checks.append(_enrollment_check(identity.get_enrollment_attempt(site_id, email)))
    answer = Verdict(tuple(checks)).as_dict(VERDICT_NO_PROBLEM, VERDICT_PROBLEM)
    answer["recent_emails"] = [m.as_dict() for m in emails]
    return answer
