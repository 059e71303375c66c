"""Where the local runtime keeps things, which ports it uses, and the environment handlers run with.

`make run` (`portal-local run`) writes `.local/runtime.json` while it serves; every other `portal-local`
subcommand reads it and talks to the same DynamoDB Local and moto server, so it works on the same data.
When nothing is serving, a subcommand starts its own DynamoDB Local (same data directory) for its run.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

from portal.config import table_env

ROOT = Path(os.environ.get("PORTAL_ROOT", Path(__file__).resolve().parent.parent))
STATE_DIR = Path(os.environ.get("PORTAL_STATE_DIR", ROOT / ".local"))
TABLE_PREFIX = "portal"
REGION = "us-east-1"
# The laptop's values of settings that have no default (portal/config.py): the application key's alias on
# the moto server and the sender identity verified there (local/kms_local.py, local/aws_local.py).
LOCAL_KMS_KEY_ALIAS = "alias/customer-portal"
LOCAL_SENDER = "no-reply@portal.example.com"
# The payments queue on the moto server (local/aws_local.py) and its dead-letter queue; moto's account id.
PAYMENTS_QUEUE = "portal-payments"
PAYMENTS_DLQ = "portal-payments-dlq"
MOTO_ACCOUNT = "123456789012"
# payments (PRODUCT.md §5): the fingerprint key's secret on the moto server
LOCAL_FINGERPRINT_SECRET = "customer-portal/fingerprint-key"  # noqa: S105 - the secret's name, not its value


class LocalError(Exception):
    """A problem `portal-local` explains in one line (what went wrong and what to do), exit code 2."""

    exit_code = 2


def require_free_port(port: int, setting: str) -> None:
    """Fail clearly before a server starts on a taken port (moto's server would wait forever for its thread)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no obstacle
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            raise LocalError(
                f"port {port} is already in use ({error.strerror}); stop what uses it or set {setting}"
            ) from None


@dataclass(frozen=True)
class Paths:
    state: Path = STATE_DIR

    @property
    def aspire_db(self) -> Path:
        return self.state / "aspire.db"

    @property
    def dynamodb_dir(self) -> Path:
        return self.state / "dynamodb"

    @property
    def outbox(self) -> Path:
        return self.state / "outbox"

    @property
    def personas(self) -> Path:
        return self.state / "demo-personas.json"

    @property
    def aspire_outage(self) -> Path:
        """While this file exists ASPIRE is unreachable for the portal (`portal-local aspire outage on`)."""
        return self.state / "aspire-outage"

    @property
    def runtime_file(self) -> Path:
        return self.state / "runtime.json"

    @property
    def npm_prefix(self) -> Path:
        # Installed by `make install` into the checkout, whatever PORTAL_STATE_DIR says about the data.
        return ROOT / ".local" / "npm"


@dataclass(frozen=True)
class Ports:
    enduser: int = int(os.environ.get("PORTAL_PORT", "8000"))
    admin: int = int(os.environ.get("PORTAL_ADMIN_PORT", "8001"))
    dynamodb: int = int(os.environ.get("PORTAL_DYNAMODB_PORT", "8002"))
    moto: int = int(os.environ.get("PORTAL_MOTO_PORT", "8003"))
    # The borrower web app (local/web_server.py), where the emails' links point too.
    web: int = int(os.environ.get("PORTAL_WEB_PORT", "8080"))


@dataclass(frozen=True)
class RuntimeState:
    """What a serving `portal-local run` publishes for the other subcommands."""

    pid: int
    dynamodb_endpoint: str
    moto_endpoint: str
    enduser_url: str
    admin_url: str
    web_url: str = ""
    admin_pool_id: str = ""
    admin_client_id: str = ""

    def write(self, paths: Paths) -> None:
        paths.runtime_file.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def read(cls, paths: Paths) -> RuntimeState | None:
        try:
            state = cls(**json.loads(paths.runtime_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        return state if _alive(state.pid) and port_open(state.dynamodb_endpoint) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def port_open(endpoint: str) -> bool:
    host, _, port = endpoint.removeprefix("http://").partition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def handler_environment(paths: Paths, dynamodb_endpoint: str, moto_endpoint: str) -> dict[str, str]:
    """The environment the Lambda handlers get locally: the same settings names as in AWS."""
    return {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "ASPIRE_SQLITE_PATH": str(paths.aspire_db),
        "PORTAL_OUTBOX_DIR": str(paths.outbox),
        "PORTAL_KMS_KEY_ID": LOCAL_KMS_KEY_ALIAS,
        "PORTAL_SENDER_EMAIL": LOCAL_SENDER,
        # Email links open web pages, never an API route (a click is a GET; the API's routes are POST).
        "PORTAL_WEB_BASE_URL": os.environ.get("PORTAL_WEB_BASE_URL", f"http://127.0.0.1:{Ports().web}"),
        # payments (paywriter): the writer's queue, polled in-process (local/payments_poller.py), and the
        # outage switch of `portal-local aspire outage on|off`
        "PAYMENTS_QUEUE_URL": payments_queue_url(moto_endpoint),
        "ASPIRE_OUTAGE_FLAG": str(paths.aspire_outage),
        # web: the APIs answer CORS for the local web app's origin only (portal.api.resolver.cors_config).
        "PORTAL_WEB_ORIGIN": os.environ.get("PORTAL_WEB_ORIGIN", f"http://127.0.0.1:{Ports().web}"),
        "PORTAL_FINGERPRINT_SECRET_ID": LOCAL_FINGERPRINT_SECRET,
        "POWERTOOLS_SERVICE_NAME": "customer-portal",
        "POWERTOOLS_METRICS_NAMESPACE": "CustomerPortal",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        "POWERTOOLS_METRICS_DISABLED": "true",
        **table_env(TABLE_PREFIX),
    }


def payments_queue_url(moto_endpoint: str) -> str:
    return f"{moto_endpoint}/{MOTO_ACCOUNT}/{PAYMENTS_QUEUE}"


def apply_environment(env: dict[str, str]) -> None:
    os.environ.update(env)
