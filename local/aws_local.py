"""The AWS services that run on the moto server locally: what `make run` creates in them at start.

moto keeps its state in memory, so this runs on every start and is idempotent against a running server
(the CLI's subcommands call it too). Everything created here is what the CDK stack creates in AWS.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

import boto3

from local.runtime import (
    LOCAL_FINGERPRINT_SECRET,
    LOCAL_SENDER,
    PAYMENTS_DLQ,
    PAYMENTS_QUEUE,
    REGION,
    LocalError,
    Paths,
)

ADMIN_POOL_NAME = "customer-portal-admins"
ADMIN_GROUPS = ("portal-admins", "portal-support")
DEMO_ADMINS = (
    ("admin@example.com", "Admin-Demo-2026!", "portal-admins"),
    ("support@example.com", "Support-Demo-2026!", "portal-support"),
)


def aws_client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
    )


@dataclass(frozen=True)
class AdminPool:
    pool_id: str
    client_id: str

    @property
    def issuer_path(self) -> str:
        return self.pool_id


def ensure_ses(endpoint: str) -> None:
    aws_client("ses", endpoint).verify_email_identity(EmailAddress=LOCAL_SENDER)


# --- payments (paywriter): the writer's queue with its dead-letter queue, as the stack creates them ----------
PAYMENTS_MAX_RECEIVES = 5
PAYMENTS_VISIBILITY_S = 10  # locally short, so a failed record comes back while you watch (AWS: 6 x timeout)


def ensure_payments_queue(endpoint: str) -> str:
    """The payments queue (and its DLQ, `maxReceiveCount` 5); returns its URL."""
    sqs = aws_client("sqs", endpoint)
    dead = sqs.create_queue(QueueName=PAYMENTS_DLQ)["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(PAYMENTS_MAX_RECEIVES)})
    attributes = {"VisibilityTimeout": str(PAYMENTS_VISIBILITY_S), "RedrivePolicy": redrive}
    return str(sqs.create_queue(QueueName=PAYMENTS_QUEUE, Attributes=attributes)["QueueUrl"])


# --- payments (PRODUCT.md §5) -----------------------------------------------------------------------------------
FINGERPRINT_KEY_FILE = "fingerprint-key.txt"


def ensure_fingerprint_secret(endpoint: str, paths: Paths) -> None:
    """The fingerprint key's secret (the payments queue is `ensure_payments_queue`). The key is kept in `.local/`
    like the KMS key material: DynamoDB Local keeps the bank accounts across restarts, and their fingerprints
    must still match."""
    key_file = paths.state / FINGERPRINT_KEY_FILE
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    secretsmanager = aws_client("secretsmanager", endpoint)
    with contextlib.suppress(secretsmanager.exceptions.ResourceExistsException):
        secretsmanager.create_secret(Name=LOCAL_FINGERPRINT_SECRET, SecretString=key_file.read_text().strip())


def ensure_admin_pool(endpoint: str) -> AdminPool:
    cognito = aws_client("cognito-idp", endpoint)
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next((p["Id"] for p in pools if p["Name"] == ADMIN_POOL_NAME), None)
    if pool_id is None:
        pool_id = cognito.create_user_pool(
            PoolName=ADMIN_POOL_NAME,
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            MfaConfiguration="OPTIONAL",
        )["UserPool"]["Id"]
        for group in ADMIN_GROUPS:
            cognito.create_group(UserPoolId=pool_id, GroupName=group)
        for email, password, group in DEMO_ADMINS:
            cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=email,
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
                MessageAction="SUPPRESS",
            )
            cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((c["ClientId"] for c in clients if c["ClientName"] == "admin-console"), None)
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="admin-console",
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            # Cognito's ID token carries the email (every attribute is readable by default); moto's only the
            # ones named here. Without it the audit log records an admin's writes with an empty actor_email.
            ReadAttributes=["email", "email_verified"],
        )["UserPoolClient"]["ClientId"]
    return AdminPool(pool_id, client_id)


def admin_token(endpoint: str, pool: AdminPool, email: str) -> str:
    password = next((p for e, p, _ in DEMO_ADMINS if e == email), None)
    if password is None:
        choices = ", ".join(e for e, _, _ in DEMO_ADMINS)
        raise LocalError(f"{email} is not a demo admin; use --email with one of {choices}")
    result = aws_client("cognito-idp", endpoint).admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])


class CognitoJwtVerifier:
    """What API Gateway's Cognito authorizer checks: signature by the pool's JWKS, issuer, expiry, token use."""

    def __init__(self, endpoint: str, pool: AdminPool) -> None:
        import jwt  # PyJWT: only the local runtime verifies Cognito tokens itself

        self._jwt = jwt
        self.pool = pool
        self._jwks = jwt.PyJWKClient(f"{endpoint}/{pool.pool_id}/.well-known/jwks.json", cache_keys=True)

    def __call__(self, token: str) -> dict[str, Any] | None:
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key
            claims: dict[str, Any] = self._jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False})
        except Exception:  # any failure to verify is simply "not authenticated"
            return None
        if not str(claims.get("iss", "")).endswith(f"/{self.pool.pool_id}"):
            return None
        if claims.get("token_use") not in {"id", "access"}:
            return None
        groups = claims.get("cognito:groups", [])
        # API Gateway passes claims as strings; groups arrive as a JSON-ish list string.
        return {**{k: str(v) for k, v in claims.items()}, "cognito:groups": json.dumps(groups)}
