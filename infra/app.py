"""CDK entry point: `cd infra && npx aws-cdk@2 synth|diff|deploy` (cdk.json runs `python3 app.py`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
# Run as `python3 app.py` from infra/, the script's folder is first on sys.path, and its `constructs/` package
# would shadow the `constructs` library that aws_cdk imports: drop it, and make `infra.*` and the layer's
# `portal.*` importable from the repository root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
for _path in (_ROOT / "layers" / "common" / "python", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.paths import COMMON_BUILD_DIR, DEPS_LAYER_DIR  # noqa: E402
from infra.stack import DEFAULT_SENDER_DOMAIN, PortalStack  # noqa: E402

STACK_NAME = "CustomerPortal"


def build(app: cdk.App | None = None) -> tuple[cdk.App, PortalStack]:
    """The app with its one stack and cdk-nag's AWS Solutions checks (also used by tests/infra)."""
    app = app or cdk.App()
    context = app.node.try_get_context

    def directory(key: str, default: Path) -> Path:
        # A relative -c deps_layer_dir=... is relative to the repository root, wherever cdk runs.
        path = Path(context(key) or default)
        return path if path.is_absolute() else _ROOT / path

    stack = PortalStack(
        app,
        STACK_NAME,
        deps_layer_dir=directory("deps_layer_dir", DEPS_LAYER_DIR),
        common_layer_dir=directory("common_layer_dir", COMMON_BUILD_DIR),
        sender_domain=context("sender_domain") or DEFAULT_SENDER_DOMAIN,
        log_level=context("log_level") or "INFO",
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
    )
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app, stack


if __name__ == "__main__":
    build()[0].synth()
