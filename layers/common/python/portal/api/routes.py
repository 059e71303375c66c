"""The route table: which function serves which path of which API, and who may call it.

The CDK stack builds both REST APIs from `ROUTES`, and the local gateway dispatches with the same table, so
a route that works on a laptop exists the same way in AWS. Paths use API Gateway resource syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Api = Literal["enduser", "admin"]
Auth = Literal["none", "enduser", "admin"]


@dataclass(frozen=True)
class Function:
    name: str  # folder under functions/
    kind: Literal["api", "authorizer", "schedule", "worker"]
    description: str
    memory_mb: int = 512
    timeout_s: int = 15

    @property
    def handler(self) -> str:
        return f"{self.name}.app.handler"


FUNCTIONS: tuple[Function, ...] = (
    Function("meta", "api", "health and OpenAPI document of the end-user API"),
    Function("login", "api", "site branding, sign-in, enrollment, password reset, the signed-in user"),
    Function("authorizer", "authorizer", "REQUEST authorizer: verifies end-user tokens and binds them to a site"),
    Function("contracts", "api", "contracts, invoices, amortization schedules, lines of credit, assets"),
    Function("admin", "api", "the staff API (Cognito)"),
    # payments (PRODUCT.md §5)
    Function("payments", "api", "bank accounts and one-time ACH payments of the signed-in user"),
    Function("sync_incremental", "schedule", "15-minute incremental sync from ASPIRE", 1024, 900),
    Function("sync_daily", "schedule", "04:00 America/Chicago daily sync from ASPIRE", 1024, 900),
    Function("sync_worker", "worker", "one chunk of the daily/full sync (SQS consumer)", 1024, 900),
    # payments writer (PRODUCT.md §5): stored payments into ASPIRE, cancel requests out of it
    Function("payments_writer", "worker", "writes payments to ASPIRE and cancels them there (SQS consumer)", 512, 60),
    Function("ses_events", "worker", "SES delivery, bounce and complaint events (SNS) onto the emails sent"),
)

FUNCTIONS_BY_NAME = {f.name: f for f in FUNCTIONS}


@dataclass(frozen=True)
class Route:
    api: Api
    method: str
    path: str
    function: str
    auth: Auth

    def matches(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters if this route serves `method path`, else None (used by the local gateway)."""
        if method.upper() != self.method:
            return None
        match = _compiled(self.path).match(path)
        return match.groupdict() if match else None


def _compiled(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


ROUTES: tuple[Route, ...] = (
    # end-user API
    Route("enduser", "GET", "/health", "meta", "none"),
    Route("enduser", "GET", "/openapi.json", "meta", "none"),
    Route("enduser", "GET", "/sites/{site}", "login", "none"),
    # sign-in (PRODUCT.md §4)
    Route("enduser", "POST", "/sites/{site}/auth/login", "login", "none"),
    Route("enduser", "POST", "/sites/{site}/auth/mfa", "login", "none"),
    Route("enduser", "POST", "/sites/{site}/auth/mfa/resend", "login", "none"),
    Route("enduser", "POST", "/sites/{site}/auth/logout", "login", "enduser"),
    Route("enduser", "POST", "/sites/{site}/auth/password/forgot", "login", "none"),
    Route("enduser", "POST", "/sites/{site}/auth/password/reset", "login", "none"),
    Route("enduser", "POST", "/sites/{site}/enrollment", "login", "none"),
    Route("enduser", "POST", "/sites/{site}/enrollment/verify", "login", "none"),
    Route("enduser", "GET", "/sites/{site}/me", "login", "enduser"),
    Route("enduser", "POST", "/sites/{site}/me/password", "login", "enduser"),
    Route("enduser", "POST", "/sites/{site}/me/totp", "login", "enduser"),
    Route("enduser", "POST", "/sites/{site}/me/totp/confirm", "login", "enduser"),
    Route("enduser", "DELETE", "/sites/{site}/me/totp", "login", "enduser"),
    # contracts (PRODUCT.md §2)
    Route("enduser", "GET", "/sites/{site}/contracts", "contracts", "enduser"),
    Route("enduser", "GET", "/sites/{site}/contracts/{contract_id}", "contracts", "enduser"),
    Route("enduser", "GET", "/sites/{site}/contracts/{contract_id}/invoices", "contracts", "enduser"),
    Route("enduser", "GET", "/sites/{site}/contracts/{contract_id}/amortization", "contracts", "enduser"),
    Route("enduser", "GET", "/sites/{site}/lines-of-credit", "contracts", "enduser"),
    # payments (PRODUCT.md §5)
    Route("enduser", "GET", "/sites/{site}/bank-accounts", "payments", "enduser"),
    Route("enduser", "POST", "/sites/{site}/bank-accounts", "payments", "enduser"),
    Route("enduser", "DELETE", "/sites/{site}/bank-accounts/{bank_account_id}", "payments", "enduser"),
    Route("enduser", "GET", "/sites/{site}/payments/options", "payments", "enduser"),
    Route("enduser", "POST", "/sites/{site}/payments", "payments", "enduser"),
    Route("enduser", "GET", "/sites/{site}/payments", "payments", "enduser"),
    Route("enduser", "GET", "/sites/{site}/payments/{payment_id}", "payments", "enduser"),
    Route("enduser", "POST", "/sites/{site}/payments/{payment_id}/cancel", "payments", "enduser"),
    # admin API
    Route("admin", "GET", "/health", "admin", "none"),
    Route("admin", "GET", "/openapi.json", "admin", "none"),
    # admin: sites, settings, users, sync, audit (issue #10, PRODUCT.md §4, §6, §7)
    Route("admin", "GET", "/admin/settings", "admin", "admin"),
    Route("admin", "PUT", "/admin/settings", "admin", "admin"),
    Route("admin", "GET", "/admin/sites", "admin", "admin"),
    Route("admin", "POST", "/admin/sites", "admin", "admin"),
    Route("admin", "GET", "/admin/sites/{site}", "admin", "admin"),
    Route("admin", "PATCH", "/admin/sites/{site}", "admin", "admin"),
    Route("admin", "GET", "/admin/sites/{site}/users", "admin", "admin"),
    Route("admin", "POST", "/admin/sites/{site}/users", "admin", "admin"),
    Route("admin", "GET", "/admin/sites/{site}/users/{user_id}", "admin", "admin"),
    Route("admin", "PATCH", "/admin/sites/{site}/users/{user_id}", "admin", "admin"),
    Route("admin", "POST", "/admin/sites/{site}/users/{user_id}/reset-password", "admin", "admin"),
    Route("admin", "POST", "/admin/sites/{site}/users/{user_id}/resend-registration", "admin", "admin"),
    Route("admin", "POST", "/admin/sites/{site}/users/{user_id}/deactivate", "admin", "admin"),
    Route("admin", "POST", "/admin/sites/{site}/users/{user_id}/reactivate", "admin", "admin"),
    Route("admin", "GET", "/admin/sync", "admin", "admin"),
    Route("admin", "POST", "/admin/sync/full", "admin", "admin"),
    Route("admin", "GET", "/admin/audit", "admin", "admin"),
    # admin payments (PRODUCT.md §5, §8.4): reads for any staff member
    Route("admin", "GET", "/admin/sites/{site}/users/{user_id}/payments", "admin", "admin"),
    Route("admin", "GET", "/admin/sites/{site}/payments", "admin", "admin"),
    Route("admin", "GET", "/admin/sites/{site}/diagnostics/payments/{payment_id}", "admin", "admin"),
    # admin accounts and diagnostics 1-3, read-only (PRODUCT.md §4, §8; issue #10 admindiag)
    Route("admin", "GET", "/admin/sites/{site}/accounts", "admin", "admin"),
    Route("admin", "GET", "/admin/sites/{site}/accounts/{account_id}/users", "admin", "admin"),
    Route("admin", "GET", "/admin/sites/{site}/diagnostics/contract-visibility", "admin", "admin"),
    Route("admin", "GET", "/admin/sites/{site}/diagnostics/account-linkability", "admin", "admin"),
    Route("admin", "GET", "/admin/sites/{site}/diagnostics/enrollment", "admin", "admin"),
)


def routes_for(api: Api) -> tuple[Route, ...]:
    return tuple(r for r in ROUTES if r.api == api)


def resolve(api: Api, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in routes_for(api):
        params = route.matches(method, path)
        if params is not None:
            return route, params
    return None


def path_exists(api: Api, path: str) -> bool:
    """True when some method serves `path` (405 vs 404 in the local gateway)."""
    return any(_compiled(r.path).match(path) for r in routes_for(api))


@dataclass(frozen=True)
class Schedule:
    """An EventBridge Scheduler schedule (AWS) and its in-process twin (`make run`)."""

    name: str
    expression: str
    timezone: str
    function: str


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("sync-incremental", "rate(15 minutes)", "UTC", "sync_incremental"),
    # EventBridge *rules* only know UTC; Scheduler keeps this at 04:00 Central through daylight saving.
    Schedule("sync-daily", "cron(0 4 * * ? *)", "America/Chicago", "sync_daily"),
)
