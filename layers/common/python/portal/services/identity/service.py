"""The identity use cases, assembled from their ports (see `portal.wiring.Wiring.identity`)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.ports import SiteReader
from portal.services.identity.clock import Clock
from portal.services.identity.context import IdentityContext, Pacer
from portal.services.identity.enrollment import EnrollmentService
from portal.services.identity.passwords import Passwords
from portal.services.identity.ports import CustomerRecords, CustomerSync, IdentityStore, Mailer, SecretCipher
from portal.services.identity.profile import ProfileService
from portal.services.identity.recovery import RecoveryService
from portal.services.identity.sessions import SessionService
from portal.services.identity.signin import SignInService
from portal.services.identity.throttle import PRODUCTION_POLICY, Throttle, ThrottlePolicy
from portal.services.identity.totp import TotpService
from portal.services.identity.users import UserService

# Enrollment and forgot-password take at least this long, whatever the email (PRODUCT.md §9: about the same
# time for known and unknown emails). It covers one SES call and a few DynamoDB writes with room to spare.
RESPONSE_FLOOR_S = 0.35


@dataclass(frozen=True)
class Identity:
    ctx: IdentityContext
    users: UserService
    sessions: SessionService
    sign_in: SignInService
    totp: TotpService
    enrollment: EnrollmentService
    recovery: RecoveryService
    profile: ProfileService


def build_identity(
    *,
    store: IdentityStore,
    sites: SiteReader,
    mailer: Mailer,
    cipher: SecretCipher,
    records: CustomerRecords,
    customer_sync: CustomerSync,
    clock: Clock,
    web_base_url: str,
    sessions: SessionService | None = None,
    passwords: Passwords | None = None,
    throttle_policy: ThrottlePolicy = PRODUCTION_POLICY,
    pacer: Pacer | None = None,
) -> Identity:
    sessions = sessions or SessionService(store, clock)
    ctx = IdentityContext(
        store=store,
        sites=sites,
        mailer=mailer,
        cipher=cipher,
        records=records,
        customer_sync=customer_sync,
        clock=clock,
        passwords=passwords or Passwords(),
        throttle=Throttle(store, clock, throttle_policy),
        sessions=sessions,
        web_base_url=web_base_url,
        pacer=pacer or Pacer(RESPONSE_FLOOR_S),
    )
    users = UserService(ctx)
    return Identity(
        ctx=ctx,
        users=users,
        sessions=sessions,
        sign_in=SignInService(ctx),
        totp=TotpService(ctx),
        enrollment=EnrollmentService(ctx, users),
        recovery=RecoveryService(ctx),
        profile=ProfileService(ctx),
    )
