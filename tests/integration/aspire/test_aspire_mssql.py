"""MssqlAspireSource: credentials from Secrets Manager (moto) and how it connects.

SQL Server cannot run here, so ``pymssql.connect`` is replaced ONLY to record its arguments and to fail the way
an unreachable server fails; everything before it (secret fetch, caching, validation) is real.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pymssql
import pytest
from aws_lambda_powertools.utilities import parameters

from portal.adapters.aspire.mssql import MssqlAspireSource
from portal.adapters.aspire.port import AspireSource, AspireUnavailable

SECRET: dict[str, Any] = {
    "host": "aspire-sql.corp.example",
    "port": 1433,
    "user": "portal_reader",
    "password": "s3cret-Passw0rd",
    "database": "ASPIRE",
}


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto Secrets Manager, with Powertools' parameter cache emptied around each test."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    parameters.clear_caches()
    with mock_aws():
        yield boto3.client("secretsmanager")
    parameters.clear_caches()


@pytest.fixture
def connect_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Records pymssql.connect's arguments, then fails like a server that does not answer."""
    calls: list[dict[str, Any]] = []

    def refuse(**kwargs: Any) -> Any:
        calls.append(kwargs)
        raise pymssql.OperationalError(
            (20009, b"DB-Lib error message 20009, severity 9:\nUnable to connect: Adaptive Server is unavailable")
        )

    monkeypatch.setattr(pymssql, "connect", refuse)
    return calls


def test_the_adapter_satisfies_the_port() -> None:
    assert isinstance(MssqlAspireSource("aspire/credentials"), AspireSource)


def test_nothing_is_fetched_or_opened_until_first_use(secrets: Any, connect_calls: list[dict[str, Any]]) -> None:
    # Given a source for a secret that does not even exist
    # When it is only constructed
    MssqlAspireSource("aspire/does-not-exist")

    # Then no connection was attempted
    assert connect_calls == []


def test_credentials_from_the_secret_become_the_connect_arguments(
    secrets: Any, connect_calls: list[dict[str, Any]]
) -> None:
    # Given the ASPIRE credentials secret
    secrets.create_secret(Name="aspire/credentials", SecretString=json.dumps(SECRET))
    source = MssqlAspireSource("aspire/credentials")

    # When the source is first used (and the server does not answer)
    with pytest.raises(AspireUnavailable):
        source.db_rowversion()

    # Then pymssql got the secret's server, port, login and database, dict rows, autocommit, TDS >= 7.3
    assert connect_calls[0] == {
        "server": "aspire-sql.corp.example",
        "port": "1433",
        "user": "portal_reader",
        "password": "s3cret-Passw0rd",
        "database": "ASPIRE",
        "as_dict": True,
        "autocommit": True,
        "login_timeout": 10,
        "timeout": 300,
        "tds_version": "7.4",
        "appname": "customer-portal",
    }


def test_rds_style_secret_keys_are_accepted(secrets: Any, connect_calls: list[dict[str, Any]]) -> None:
    # Given a secret in the RDS rotation shape (username/dbname) with a custom port and TDS version
    rds = {"host": "db.example", "port": "14330", "username": "svc", "password": "pw", "dbname": "ASP",
           "tds_version": "7.3"}  # fmt: skip
    secrets.create_secret(Name="aspire/rds", SecretString=json.dumps(rds))

    # When the source connects
    with pytest.raises(AspireUnavailable):
        MssqlAspireSource("aspire/rds").version()

    # Then the aliases were understood
    call = connect_calls[0]
    assert (call["user"], call["database"], call["port"], call["tds_version"]) == ("svc", "ASP", "14330", "7.3")


def test_an_unreachable_server_raises_aspire_unavailable_with_a_clear_message(
    secrets: Any, connect_calls: list[dict[str, Any]]
) -> None:
    # Given valid credentials for a server that does not answer
    secrets.create_secret(Name="aspire/credentials", SecretString=json.dumps(SECRET))

    # When the source is used
    with pytest.raises(AspireUnavailable) as raised:
        MssqlAspireSource("aspire/credentials").stream("changes_account", {"since": 0, "upto": 10}).__next__()

    # Then the message says where it tried and why it failed, on one line, without the password
    message = str(raised.value)
    assert "cannot connect to ASPIRE at aspire-sql.corp.example:1433" in message
    assert "database ASPIRE" in message and "user portal_reader" in message
    assert "20009 DB-Lib error message 20009, severity 9: Unable to connect: Adaptive Server is unavailable" in message
    assert "\n" not in message
    assert SECRET["password"] not in message
    assert isinstance(raised.value.__cause__, pymssql.OperationalError)


def test_a_rotated_password_is_refetched_once(secrets: Any, connect_calls: list[dict[str, Any]]) -> None:
    # Given credentials that were cached, then rotated
    secrets.create_secret(Name="aspire/credentials", SecretString=json.dumps(SECRET))
    source = MssqlAspireSource("aspire/credentials")
    with pytest.raises(AspireUnavailable):
        source.version()
    secrets.put_secret_value(SecretId="aspire/credentials", SecretString=json.dumps({**SECRET, "password": "new"}))

    # When the next connection attempt fails with the cached password
    with pytest.raises(AspireUnavailable):
        source.version()

    # Then the secret was fetched again and the new password tried
    assert [call["password"] for call in connect_calls] == [SECRET["password"], SECRET["password"], "new"]


def test_a_missing_secret_raises_aspire_unavailable(secrets: Any, connect_calls: list[dict[str, Any]]) -> None:
    with pytest.raises(AspireUnavailable, match="cannot read the ASPIRE credentials secret 'aspire/missing'"):
        MssqlAspireSource("aspire/missing").version()
    assert connect_calls == []


def test_an_incomplete_secret_names_what_is_missing(secrets: Any, connect_calls: list[dict[str, Any]]) -> None:
    secrets.create_secret(Name="aspire/partial", SecretString=json.dumps({"host": "db.example", "user": "svc"}))
    with pytest.raises(AspireUnavailable, match="lacks password, database"):
        MssqlAspireSource("aspire/partial").version()
    assert connect_calls == []


def test_a_secret_that_is_not_json_raises_aspire_unavailable(secrets: Any) -> None:
    secrets.create_secret(Name="aspire/text", SecretString="host=db;user=svc")
    with pytest.raises(AspireUnavailable, match="aspire/text"):
        MssqlAspireSource("aspire/text").version()


def test_an_empty_secret_id_is_a_configuration_error() -> None:
    with pytest.raises(AspireUnavailable, match="ASPIRE_SECRET_ID"):
        MssqlAspireSource("")
