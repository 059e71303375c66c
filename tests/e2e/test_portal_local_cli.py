"""`portal-local` explains every failure in one line on stderr and exits non-zero; it never prints a traceback."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import cli
from local.runtime import Paths, Ports
from local.services import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dynamodb_local")]


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Paths]:
    # Given an empty state directory (no demo database, nothing serving)
    saved = dict(os.environ)
    paths = Paths(state=tmp_path / "state")
    monkeypatch.setattr(cli, "PATHS", paths)
    yield paths
    os.environ.clear()
    os.environ.update(saved)


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("portal-local: "), err
    assert "Traceback" not in err
    return lines[0]


def test_an_unknown_demo_admin_is_one_line_and_exit_2(state: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["admin-token", "--email", "nobody@x"]) == 2
    line = one_line_error(capsys)
    assert "nobody@x is not a demo admin" in line and "admin@example.com" in line


@pytest.mark.parametrize("argv", [["sync", "incremental"], ["aspire", "eft-run"]])
def test_no_demo_database_says_to_seed_first(state: Paths, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert cli.main(argv) == 2
    assert "run `portal-local seed`" in one_line_error(capsys)
    assert not state.aspire_db.exists()  # and no empty database was left behind


def test_a_usage_error_is_one_line_and_exit_2(state: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["sync", "weekly"])
    assert exit_.value.code == 2
    assert "invalid choice: 'weekly'" in one_line_error(capsys)


def test_serving_on_a_port_in_use_names_the_setting(
    state: Paths, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given something already listening on the end-user API's port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        ports = Ports(enduser=busy, admin=free_port(), dynamodb=free_port(), moto=free_port(), web=free_port())
        monkeypatch.setattr(cli, "Ports", lambda: ports)
        # When portal-local serve starts, Then it stops with one line that says what to change
        assert cli.main(["serve"]) == 2
    line = one_line_error(capsys)
    assert f"port {busy} is already in use" in line and "PORTAL_PORT" in line


def test_the_aspire_outage_switch_turns_on_and_off(state: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a demo database (the switch belongs to it)
    state.state.mkdir(parents=True)
    state.aspire_db.touch()
    # When the outage is switched on, Then the flag the portal's ASPIRE source checks exists
    assert cli.main(["aspire", "outage", "on"]) == 0
    assert state.aspire_outage.exists() and '"aspire_reachable":false' in capsys.readouterr().out
    # And switched off, it is gone
    assert cli.main(["aspire", "outage", "off"]) == 0
    assert not state.aspire_outage.exists() and '"aspire_reachable":true' in capsys.readouterr().out


def test_settings_switches_the_bank_verification_mode_and_keeps_it(
    state: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    # Given a new instance: any bank account can pay (payments, PRODUCT.md §5)
    assert cli.main(["settings"]) == 0
    assert json.loads(capsys.readouterr().out)["bank_verification_mode"] == "allow_any"
    # When the mode is switched to existing_only, it says since when, and a later look still says so
    assert cli.main(["settings", "--bank-verification", "existing_only"]) == 0
    switched = json.loads(capsys.readouterr().out)
    assert switched["bank_verification_mode"] == "existing_only" and switched["bank_verification_since"]
    assert cli.main(["settings"]) == 0
    assert json.loads(capsys.readouterr().out)["bank_verification_mode"] == "existing_only"
