"""The layers `make layer` builds: cp312 manylinux wheels for Lambda's x86_64 Python 3.12, compiled .pyc, size.

Runs only when `build/layer-deps` exists: building it needs PyPI (about 130 MB of wheels), and `make test` must
stay offline and quick; `make layer` (or `make synth`, which builds it when missing) is the step that proves it
builds, and this test then checks what it built.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.paths import COMMON_BUILD_DIR, DEPS_LAYER_DIR, FUNCTIONS_DIR

pytestmark = [
    pytest.mark.infra,
    pytest.mark.skipif(not (DEPS_LAYER_DIR / "python").is_dir(), reason="run `make layer` first (needs PyPI)"),
]

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # function code and all its layers together


def _wheel_tags(package: str) -> list[str]:
    (dist_info,) = (DEPS_LAYER_DIR / "python").glob(f"{package}-*.dist-info")
    lines = (dist_info / "WHEEL").read_text().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]


def _size(root: Path, *, skip_caches: bool) -> int:
    # The function code asset excludes __pycache__ (infra.paths.ASSET_EXCLUDES); the layers ship theirs.
    files = [p for p in root.rglob("*") if p.is_file() and not (skip_caches and "__pycache__" in p.parts)]
    return sum(p.stat().st_size for p in files)


@pytest.mark.parametrize("package", ["pydantic_core", "pymssql", "jellyfish"])
def test_native_dependencies_are_cp312_manylinux_x86_64_wheels(package: str) -> None:
    tags = _wheel_tags(package)
    assert tags and all(t.startswith("cp312-cp312-manylinux") and t.endswith("_x86_64") for t in tags), tags


def test_pydantic_core_and_pymssql_extensions_are_for_cpython_312() -> None:
    python = DEPS_LAYER_DIR / "python"
    assert list((python / "pydantic_core").glob("_pydantic_core.cpython-312-x86_64-linux-gnu.so"))
    assert list((python / "pymssql").glob("*.cpython-312-x86_64-linux-gnu.so"))


@pytest.mark.parametrize("layer", [DEPS_LAYER_DIR, COMMON_BUILD_DIR], ids=["deps", "common"])
def test_layers_ship_python_312_bytecode(layer: Path) -> None:
    sources = [p for p in (layer / "python").rglob("*.py") if "site-packages" not in p.parts]
    compiled = {p.parent.parent / p.name.split(".")[0] for p in (layer / "python").rglob("*.cpython-312.pyc")}
    missing = [p for p in sources if p.with_suffix("") not in compiled]
    assert sources and len(missing) <= len(sources) // 100, missing[:5]  # a file pip marks as not compilable


def test_common_layer_is_the_portal_package() -> None:
    assert (COMMON_BUILD_DIR / "python" / "portal" / "config.py").is_file()
    assert not list((COMMON_BUILD_DIR / "python").rglob("*.egg-info"))


def test_layers_and_function_code_fit_lambdas_unzipped_limit() -> None:
    layers = _size(DEPS_LAYER_DIR, skip_caches=False) + _size(COMMON_BUILD_DIR, skip_caches=False)
    total = layers + _size(FUNCTIONS_DIR, skip_caches=True)
    assert total < LAMBDA_UNZIPPED_LIMIT, f"{total / 2**20:.0f} MB"


@pytest.mark.parametrize("layer", [DEPS_LAYER_DIR, COMMON_BUILD_DIR], ids=["deps", "common"])
def test_bytecode_is_unchecked_hash_based(layer: Path) -> None:
    # PEP 552 flags word after the magic number: 0b01 = hash-based, source not checked. A timestamp-based
    # .pyc would be recompiled at cold start (CDK zips with a fixed mtime), in a read-only /opt: every time.
    sample = sorted((layer / "python").rglob("*.cpython-312.pyc"))[:50]
    assert sample and {int.from_bytes(p.read_bytes()[4:8], "little") for p in sample} == {1}
