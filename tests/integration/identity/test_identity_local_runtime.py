"""The laptop runtime's parts of sign-in: the outbox, the KMS key that survives restarts, the demo users."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
import requests

from local.demo_users import ensure_users
from local.kms_local import LOCAL_KEY_ID, MATERIAL_FILE, ensure_kms_key
from local.outbox import list_messages
from local.runtime import Paths
from portal.adapters.ses import SesMailer
from portal.emails import EmailBranding, mfa_code_email
from portal.services.identity.models import IssuedSession, MfaRequired, UserStatus
from tests.integration.identity.kit import World, client


def test_every_email_is_sent_through_ses_and_written_to_the_outbox(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    outbox = world.outbox.directory
    mailer = SesMailer(client("sesv2"), world.wiring.identity_settings.sender_email, outbox_dir=str(outbox))
    brand = EmailBranding("Summit", "https://x.test/l.svg", "#123456", "help@x.test")
    message_id = mailer.send(mfa_code_email("pat@example.com", brand, "123456"))
    # Then SES accepted it, the .eml is readable by `portal-local outbox`, and one console line says so
    assert message_id and client("ses").get_send_quota()["SentLast24Hours"] == 1
    [listed] = list_messages(outbox)
    assert listed["to"] == "pat@example.com" and listed["codes"] == ["123456"]
    assert capsys.readouterr().out.startswith(f"[email] to pat@example.com: Your Summit sign-in code -> {outbox}/")


def test_the_local_kms_key_decrypts_what_it_encrypted_before_a_restart(tmp_path: Path) -> None:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from local.services import free_port

    paths = Paths(tmp_path)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    try:
        kms = boto3.client(
            "kms", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="l", aws_secret_access_key="l"
        )
        # Given the key, and a seed encrypted with it
        assert ensure_kms_key(endpoint, paths) == LOCAL_KEY_ID
        context = {"purpose": "totp-seed", "site_id": "summit", "user_id": "u1"}
        blob = kms.encrypt(KeyId="alias/customer-portal", Plaintext=b"SEED", EncryptionContext=context)[
            "CiphertextBlob"
        ]
        assert (tmp_path / MATERIAL_FILE).stat().st_size == 32
        # When moto forgets everything (what a restart of `make run` does) and the key is ensured again
        requests.post(f"{endpoint}/moto-api/reset", timeout=5)
        assert all(a["AliasName"] != "alias/customer-portal" for a in kms.list_aliases()["Aliases"])
        assert ensure_kms_key(endpoint, paths) == LOCAL_KEY_ID
        assert ensure_kms_key(endpoint, paths) == LOCAL_KEY_ID  # idempotent
        # Then the old ciphertext still decrypts
        plain = kms.decrypt(KeyId="alias/customer-portal", CiphertextBlob=blob, EncryptionContext=context)
        assert plain["Plaintext"] == b"SEED"
    finally:
        server.stop()


def test_demo_users_are_created_once_from_the_personas_file(world: World, tmp_path: Path) -> None:
    paths = Paths(tmp_path / "state")
    assert "no demo personas" in ensure_users(paths, world.wiring)[0]
    paths.personas.parent.mkdir(parents=True)
    personas = {
        "sites": [
            {
                "site_id": "harvest",
                "users": [
                    {"email": "joan@farm.example", "password": "Harvest-Demo-2026!", "mfa": "email",
                     "account_ids": ["A-3"], "first_name": "Joan", "last_name": "Reyes"},
                ],
                "enrollable": [],
            },
            {
                "site_id": "summit",
                "users": [
                    {"email": "bo@acme.example", "password": "Summit-Demo-2026!", "mfa": "none",
                     "account_ids": ["A-1", "A-2"]},
                ],
            },
        ]
    }  # fmt: skip
    paths.personas.write_text(json.dumps(personas))
    # When the demo users are ensured twice
    first = ensure_users(paths, world.wiring)
    second = ensure_users(paths, world.wiring)
    # Then they exist once, Active, linked, and log in with the persona's password
    assert [line.split(" ")[1] for line in first] == ["created", "created"]
    assert [line.split(" ")[1] for line in second] == ["kept", "kept"]
    bo = world.identity.users.find_by_email("summit", "bo@acme.example")
    assert bo is not None and bo.user.status == UserStatus.ACTIVE and bo.account_ids == ("A-1", "A-2")
    assert isinstance(world.identity.sign_in.login("summit", "bo@acme.example", "Summit-Demo-2026!"), IssuedSession)
    assert isinstance(world.identity.sign_in.login("harvest", "joan@farm.example", "Harvest-Demo-2026!"), MfaRequired)
