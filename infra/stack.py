"""The Customer Portal stack: one construct per concern, wired together and granted to each other here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.api import PortalApi
from infra.constructs.auth import AdminAuth
from infra.constructs.data import Data
from infra.constructs.functions import Functions
from infra.constructs.layer import Layers
from infra.constructs.mail import Mail
from infra.constructs.secrets import Secrets
from infra.constructs.sync import Sync
from infra.paths import DEPS_LAYER_DIR
from portal.api.routes import FUNCTIONS, ROUTES, Function, Route
from portal.config import IdentitySettings, SyncSettings

DEFAULT_SENDER_DOMAIN = "example.com"

# Who may use what, by function name (names that do not exist yet are skipped).
SENDS_EMAIL = ("login", "admin")
USES_APP_KEY = ("login", "payments_writer")  # payments_writer decrypts bank account numbers for ASPIRE

# Every variable name comes from the settings models (portal/config.py): one spelling, checked by
# tests/infra against the model each function loads (FUNCTION_SETTINGS).
ASPIRE_SECRET_ENV = SyncSettings.env_name("aspire_secret_id")


def reads_aspire(function: Function) -> bool:
    """The sync functions (the two scheduled ones, any `sync_*` helper) and the payments writer."""
    return function.kind == "schedule" or function.name.startswith("sync_") or function.name == "payments_writer"


class PortalStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deps_layer_dir: Path = DEPS_LAYER_DIR,
        sender_domain: str = DEFAULT_SENDER_DOMAIN,
        functions: Sequence[Function] = FUNCTIONS,
        routes: Sequence[Route] = ROUTES,
        log_level: str = "INFO",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("description", "Customer Portal: self-service portal for ASPIRE customers")
        super().__init__(scope, construct_id, **kwargs)
        Tags.of(self).add("project", "customer-portal")

        self.data = Data(self, "Data")
        self.layers = Layers(self, "Layers", deps_dir=Path(deps_layer_dir))
        self.functions = Functions(
            self,
            "Functions",
            functions=functions,
            layers=self.layers.all,
            tables=self.data.tables,
            log_level=log_level,
        )
        self.admin_auth = AdminAuth(self, "AdminAuth")
        self.secrets = Secrets(self, "Secrets")
        self.mail = Mail(self, "Mail", sender_domain=sender_domain)
        self.sync = Sync(self, "Sync", functions=self.functions)
        self.enduser_api = PortalApi(
            self,
            "EndUserApi",
            api="enduser",
            routes=routes,
            functions=self.functions.functions,
            definitions=functions,
        )
        self.admin_api = PortalApi(
            self,
            "AdminApi",
            api="admin",
            routes=routes,
            functions=self.functions.functions,
            definitions=functions,
            user_pool=self.admin_auth.user_pool,
        )
        # The application key encrypts TOTP seeds (login) and, later, bank account numbers.
        self.app_key = self.data.app_key
        senders = self.functions.named(SENDS_EMAIL)
        key_users = self.functions.named(USES_APP_KEY)
        for function in key_users:
            self.app_key.grant(function, "kms:Encrypt", "kms:Decrypt")  # no ReEncrypt*/GenerateDataKey* wildcards
        env = IdentitySettings.env_name
        self.functions.add_environment(key_users, env("kms_key_id"), self.app_key.key_arn)
        self.functions.add_environment(senders, env("sender_email"), f"no-reply@{sender_domain}")
        self.functions.add_environment(
            senders, env("ses_configuration_set"), self.mail.configuration_set.configuration_set_name
        )
        web_base_url = self.node.try_get_context("web_base_url") or f"https://portal.{sender_domain}"
        self.functions.add_environment(senders, env("web_base_url"), web_base_url)

        self._grant_secrets(functions)
        self.mail.grant_send(senders)
        self._outputs()

    def _grant_secrets(self, functions: Sequence[Function]) -> None:
        # The only secret: session tokens are opaque random values stored hashed, and page tokens are HMAC'd
        # with a per-session key, so there is no token signing key to keep (docs/deploy.md).
        aspire_readers = self.functions.named(f.name for f in functions if reads_aspire(f))
        self._grant_read(self.secrets.aspire, aspire_readers, ASPIRE_SECRET_ENV)

    def _grant_read(self, secret: secretsmanager.ISecret, readers: list[lambda_.Function], env_var: str) -> None:
        for reader in readers:
            secret.grant_read(reader)
        self.functions.add_environment(readers, env_var, secret.secret_arn)

    def _outputs(self) -> None:
        CfnOutput(self, "EndUserApiUrl", value=self.enduser_api.url, description="End-user API base URL")
        CfnOutput(self, "AdminApiUrl", value=self.admin_api.url, description="Admin API base URL")
        CfnOutput(self, "AdminUserPoolId", value=self.admin_auth.user_pool.user_pool_id)
        CfnOutput(self, "AdminUserPoolClientId", value=self.admin_auth.client.user_pool_client_id)
        CfnOutput(
            self,
            "AspireSecretArn",
            value=self.secrets.aspire.secret_arn,
            description="Set its value to the ASPIRE credentials (docs/deploy.md)",
        )
