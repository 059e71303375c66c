"""CDK template tests: synthesize in-process (no CLI, network or Docker) with a placeholder dependencies layer."""

from __future__ import annotations

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from pathlib import Path

import pytest
from cdk_template import Synth, synth


@pytest.fixture(scope="session")
def deps_layer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stands in for `build/layer-deps` (built by `make layer`): a python/ folder with one placeholder file."""
    root = tmp_path_factory.mktemp("layer-deps")
    (root / "python").mkdir()
    (root / "python" / "PLACEHOLDER.txt").write_text("built by `make layer` in a real deployment\n")
    return root


@pytest.fixture(scope="session")
def app(deps_layer_dir: Path) -> Synth:
    """The app exactly as `infra/app.py` builds it, with the real FUNCTIONS, ROUTES and settings models and the
    deployment context of docs/deploy.md: synthesized once per worker (modules using it share xdist group
    `infra-stack`)."""
    return synth(deps_layer_dir)
