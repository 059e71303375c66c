"""The two Lambda layers: the portal's own code, and its third-party dependencies built by `make layer`."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

# The dependencies layer is built with `pip install --platform manylinux_2_28_x86_64 --python-version 3.12`,
# so runtime and architecture are fixed here and every function uses the same pair.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64


class Layers(Construct):
    """`common` carries `<common_dir>/python/portal`; `dependencies` carries `<deps_dir>/python/...`.

    Both directories are built by `make layer` (build/layer-common, build/layer-deps) with `.pyc` compiled by
    Python 3.12 in unchecked-hash mode, so neither is compiled by Lambda at cold start; the assets are taken
    as built (no excludes: the `.pyc` files are the point).
    """

    def __init__(self, scope: Construct, construct_id: str, *, deps_dir: Path, common_dir: Path) -> None:
        super().__init__(scope, construct_id)
        for directory, context_key in ((deps_dir, "deps_layer_dir"), (common_dir, "common_layer_dir")):
            if not (directory / "python").is_dir():
                raise FileNotFoundError(
                    f"layer not built: {directory}/python is missing (run `make layer`, or pass "
                    f"`-c {context_key}=<dir>` pointing at a directory with a python/ folder)"
                )
        self.common = lambda_.LayerVersion(
            self,
            "Common",
            code=lambda_.Code.from_asset(str(common_dir)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Customer Portal shared code (portal package)",
            removal_policy=RemovalPolicy.DESTROY,
        )
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
