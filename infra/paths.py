"""Where the deployable code lives, relative to the repository root (this file is `infra/paths.py`)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
COMMON_LAYER_DIR = ROOT / "layers" / "common"
DEPS_LAYER_DIR = ROOT / "build" / "layer-deps"  # filled by `make layer`
# `layers/common` copied with compiled .pyc by `make layer`: Lambda never compiles the portal's code at cold start.
COMMON_BUILD_DIR = ROOT / "build" / "layer-common"

# Never ship caches, tests or local state inside an asset.
ASSET_EXCLUDES = [
    "**/__pycache__",
    "**/*.pyc",
    "**/*.egg-info",  # left in layers/common/python by the editable install of the project
    "**/.pytest_cache",
    "**/.mypy_cache",
    "**/tests",
    ".DS_Store",
]
