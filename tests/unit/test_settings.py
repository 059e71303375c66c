"""Settings fail fast: each model names what is missing, and a handler module will not load without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import (
    FUNCTION_SETTINGS,
    IdentitySettings,
    Settings,
    SettingsError,
    SyncSettings,
    TableSettings,
    running_function,
    table_env,
)

ROOT = Path(__file__).resolve().parents[2]
TABLES = table_env("unit")
IDENTITY = {**TABLES, "PORTAL_KMS_KEY_ID": "k", "PORTAL_SENDER_EMAIL": "s@x.test", "PORTAL_WEB_BASE_URL": "https://x"}
SYNC = {**TABLES, "ASPIRE_SECRET_ID": "arn:secret"}
COMPLETE: dict[type[Settings], dict[str, str]] = {TableSettings: TABLES, IdentitySettings: IDENTITY, SyncSettings: SYNC}


@pytest.mark.parametrize(
    ("model", "variable"), [(model, name) for model, env in COMPLETE.items() for name in env], ids=str
)
@pytest.mark.parametrize("value", [None, "", "  "], ids=["unset", "empty", "blank"])
def test_each_model_names_the_one_missing_variable_and_itself(
    model: type[Settings], variable: str, value: str | None
) -> None:
    # Given a complete environment for the model but one variable unset, empty or blank
    env = {k: v for k, v in COMPLETE[model].items() if k != variable}
    if value is not None:
        env[variable] = value
    # When the model loads, then one line names the variable and the model
    with pytest.raises(SettingsError) as raised:
        model.load(env)
    assert str(raised.value) == f"missing environment variable {variable} ({model.__name__})"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no pydantic dump attached


def test_no_laptop_value_is_a_default() -> None:
    # The local alias, sender and link base used to be defaults a deployed function would silently run on
    required = set(IdentitySettings.required_env())
    assert {"PORTAL_KMS_KEY_ID", "PORTAL_SENDER_EMAIL", "PORTAL_WEB_BASE_URL"} <= required
    defaults = {str(field.default) for field in IdentitySettings.model_fields.values()}
    assert not any("127.0.0.1" in d or "example.com" in d or d.startswith("alias/") for d in defaults)


def test_the_local_aspire_stand_in_replaces_the_aspire_secret_locally_only() -> None:
    local = SyncSettings.load({**TABLES, "ASPIRE_SQLITE_PATH": "/tmp/aspire.db"})
    assert local.aspire_sqlite_path == "/tmp/aspire.db" and local.aspire_secret_id == ""
    assert "ASPIRE_SECRET_ID" in SyncSettings.required_env()  # what the stack must give a deployed function


def test_env_name_is_the_one_spelling_of_a_variable() -> None:
    assert IdentitySettings.env_name("kms_key_id") == "PORTAL_KMS_KEY_ID"
    assert SyncSettings.env_name("sync_chunk_queue_url") == IdentitySettings.env_name("sync_chunk_queue_url")
    with pytest.raises(KeyError):
        IdentitySettings.env_name("no_such_field")


def test_the_running_function_comes_from_lambdas_handler_variable() -> None:
    assert running_function({"_HANDLER": "login.app.handler"}) == "login"
    assert FUNCTION_SETTINGS["login"] is IdentitySettings and FUNCTION_SETTINGS["sync_worker"] is SyncSettings
    assert running_function({}) is None and running_function({"_HANDLER": "other.app.handler"}) is None


def _cold_start(function: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Imports a handler module the way Lambda does at cold start, in a fresh interpreter."""
    path = os.pathsep.join(str(ROOT / p) for p in ("layers/common/python", ".", "functions"))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TABLE_", "ASPIRE_", "SYNC_"))}
    environment = {**base, "PYTHONPATH": path, "_HANDLER": f"{function}.app.handler", **env}
    environment.update(AWS_DEFAULT_REGION="us-east-1", POWERTOOLS_METRICS_DISABLED="true")
    return subprocess.run(  # noqa: S603 - our own interpreter on our own module
        [sys.executable, "-c", f"import {function}.app"], env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("function", "env", "message"),
    [
        (
            "login",
            {k: v for k, v in IDENTITY.items() if k != "PORTAL_KMS_KEY_ID"},
            "PORTAL_KMS_KEY_ID (IdentitySettings)",
        ),
        ("sync_worker", TABLES, "ASPIRE_SECRET_ID (SyncSettings)"),
        ("contracts", {}, "TABLE_DATA, TABLE_IDENTITY, TABLE_PAYMENTS, TABLE_CONTROL (ApiSettings)"),
    ],
)
def test_a_handler_module_does_not_load_without_a_required_variable(
    function: str, env: dict[str, str], message: str
) -> None:
    # When the function's module is imported (cold start) with a required variable unset
    result = _cold_start(function, env)
    # Then the import fails with that one line
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("portal.config.SettingsError: missing environment variable") and last.endswith(message)


def test_meta_loads_with_table_settings_although_it_imports_logins_module() -> None:
    # meta describes login's routes by importing its module; it must not need login's key, sender or links
    result = _cold_start("meta", TABLES)
    assert result.returncode == 0, result.stderr
