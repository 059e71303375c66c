"""End-user API: site branding, sign-in, MFA, password reset, self-enrollment and the signed-in user.

Transport only: each route validates its body, takes the principal from the authorizer's context on the
authenticated routes, and makes one identity service call (portal/services/identity/). Every answer is
`Cache-Control: no-store` by the resolver's default: tokens, codes and profiles must not be cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from login import models as m
from portal.api.auth import principal_for_site
from portal.api.resolver import make_resolver
from portal.observability import logger, metrics
from portal.services.sites import PublicSite, public_branding
from portal.wiring import Wiring

if TYPE_CHECKING:
    from portal.services.identity.models import LoginResult

# The identity service's own modules load with its first use (`wiring.identity`), not at cold start: the first
# request of a container is often the site's branding, which needs none of them.
router = Router()
wiring = Wiring.from_env()


def _token_or_challenge(result: LoginResult) -> m.TokenResponse | m.MfaChallengeResponse:
    from portal.services.identity.models import IssuedSession

    if isinstance(result, IssuedSession):
        return m.TokenResponse(access_token=result.access_token, expires_in=result.expires_in)
    return m.MfaChallengeResponse(challenge_id=result.challenge_id, mfa_method=result.method)


def _source() -> str:
    event = router.current_event.raw_event
    return str(((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "")


@router.get("/sites/<site>")
def get_site(site: str) -> PublicSite:
    return public_branding(site, wiring.sites)


@router.post("/sites/<site>/auth/login")
def login(site: str, body: m.LoginRequest) -> m.TokenResponse | m.MfaChallengeResponse:
    return _token_or_challenge(wiring.identity.sign_in.login(site, body.email, body.password))


@router.post("/sites/<site>/auth/mfa")
def mfa(site: str, body: m.MfaRequest) -> m.TokenResponse | m.MfaChallengeResponse:
    return _token_or_challenge(wiring.identity.sign_in.verify_mfa(site, body.challenge_id, body.code))


@router.post("/sites/<site>/auth/mfa/resend")
def mfa_resend(site: str, body: m.ResendRequest) -> Response[None]:
    wiring.identity.sign_in.resend_mfa(site, body.challenge_id)
    return Response(202)


@router.post("/sites/<site>/auth/logout")
def logout(site: str) -> Response[None]:
    wiring.identity.sign_in.logout(principal_for_site(router.current_event, site))
    return Response(204)


@router.post("/sites/<site>/auth/password/forgot", status_code=202)
def forgot_password(site: str, body: m.ForgotRequest) -> m.CheckEmailResponse:
    wiring.identity.recovery.forgot(site, body.email)
    return m.CheckEmailResponse()


@router.post("/sites/<site>/auth/password/reset")
def reset_password(site: str, body: m.TokenPasswordRequest) -> Response[None]:
    wiring.identity.recovery.reset(site, body.token, body.password, _source())
    return Response(204)


@router.post("/sites/<site>/enrollment", status_code=202)
def enroll(site: str, body: m.EnrollmentBody) -> m.CheckEmailResponse:
    from portal.domain.enrollment import EnrollmentRequest

    request = EnrollmentRequest(body.first_name, body.last_name, body.email, body.postal_code, body.contract_id)
    wiring.identity.enrollment.enroll(site, request)
    return m.CheckEmailResponse()


@router.post("/sites/<site>/enrollment/verify")
def verify_enrollment(site: str, body: m.TokenPasswordRequest) -> Response[None]:
    wiring.identity.enrollment.verify(site, body.token, body.password, _source())
    return Response(204)


@router.get("/sites/<site>/me")
def me(site: str) -> m.MeResponse:
    profile = wiring.identity.profile.me(principal_for_site(router.current_event, site))
    return m.MeResponse.model_validate(profile, from_attributes=True)


@router.post("/sites/<site>/me/password")
def change_password(site: str, body: m.ChangePasswordRequest) -> Response[None]:
    principal = principal_for_site(router.current_event, site)
    wiring.identity.profile.change_password(principal, body.current_password, body.new_password)
    return Response(204)


@router.post("/sites/<site>/me/totp")
def start_totp(site: str) -> m.TotpSetupResponse:
    setup = wiring.identity.totp.start(principal_for_site(router.current_event, site))
    return m.TotpSetupResponse(secret=setup.secret, otpauth_uri=setup.otpauth_uri, qr_svg=setup.qr_svg)


@router.post("/sites/<site>/me/totp/confirm")
def confirm_totp(site: str, body: m.TotpConfirmRequest) -> Response[None]:
    wiring.identity.totp.confirm(principal_for_site(router.current_event, site), body.code)
    return Response(204)


@router.delete("/sites/<site>/me/totp")
def remove_totp(site: str) -> Response[None]:
    wiring.identity.totp.remove(principal_for_site(router.current_event, site))
    return Response(204)


app = make_resolver(router)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
