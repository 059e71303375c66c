"""The two Lambda layers: the portal's own code, and its third-party dependencies built by `make layer`."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.paths import ASSET_EXCLUDES, COMMON_LAYER_DIR

# The dependencies layer is built with `pip install --platform manylinux_2_28_x86_64 --python-version 3.12`,
# so runtime and architecture are fixed here and every function uses the same pair.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64


class Layers(Construct):
    """`common` carries `layers/common/python/portal`; `dependencies` carries `<deps_dir>/python/...`."""

    def __init__(self, scope: Construct, construct_id: str, *, deps_dir: Path) -> None:
        super().__init__(scope, construct_id)
        if not (deps_dir / "python").is_dir():
            raise FileNotFoundError(
                f"dependencies layer not built: {deps_dir}/python is missing (run `make layer`, "
                "or pass `-c deps_layer_dir=<dir>` pointing at a directory with a python/ folder)"
            )
        self.common = lambda_.LayerVersion(
            self,
            "Common",
            code=lambda_.Code.from_asset(str(COMMON_LAYER_DIR), exclude=ASSET_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Customer Portal shared code (portal package)",
            removal_policy=RemovalPolicy.DESTROY,
        )
        # Pre-compiled .pyc files are part of this asset on purpose (faster cold starts), so no excludes.
        self.dependencies = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=lambda_.Code.from_asset(str(deps_dir)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Customer Portal third-party dependencies (pyproject [project].dependencies)",
            removal_policy=RemovalPolicy.DESTROY,
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.dependencies, self.common]
