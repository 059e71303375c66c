"""The admin user pool (Cognito): staff only, created by an operator, TOTP required as the second factor.

Locally (`make run`) the pool is moto's: no MFA, and the demo passwords of `local/aws_local.py` (README).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

ADMIN_GROUPS = {
    "portal-admins": "May read and change settings, sites and users.",
    "portal-support": "May read everything in the admin API, change nothing.",
}


class AdminAuth(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            # Every staff sign-in needs TOTP (no SMS: SIM swaps); a new account enrolls its app at first sign-in.
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
                # Plus tier: the last passwords cannot be reused.
                password_history_size=12,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Plus tier: threat protection (compromised credentials, adaptive authentication) for a pool of
            # a few staff accounts costs cents a month.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.groups = {
            name: self.user_pool.add_group(
                name.replace("-", " ").title().replace(" ", ""), group_name=name, description=description
            )
            for name, description in ADMIN_GROUPS.items()
        }
        self.client = self.user_pool.add_client(
            "AdminClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=True),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),
        )
