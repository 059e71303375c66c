"""Bank accounts over moto: validation, encryption at rest, verification modes, delete (PRODUCT.md §5)."""

from __future__ import annotations

import base64

import boto3
import pytest
from botocore.exceptions import ClientError
from payments_kit import ACCOUNT_NUMBER, ALICE, BOB, ROUTING, SITE, Payments

from portal.adapters.dynamodb.codec import from_item, to_item
from portal.adapters.secrets import FingerprintKey
from portal.domain.payments import bank_fingerprint
from portal.services.sync_items import AccountState, account_items
from tests.integration.identity.kit import client


@pytest.fixture
def alice(pay: Payments) -> Payments:
    pay.user(ALICE, ("A-1",))
    pay.user(BOB, ("A-2",))
    return pay


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("routing_number", "021000022"),  # checksum fails
        ("routing_number", "000000000"),  # all zeros
        ("routing_number", "02100002"),  # 8 digits
        ("routing_number", "02100002x"),
        ("account_number", "123"),  # too short
        ("account_number", "1" * 18),  # too long
        ("account_number", "12345a"),
        ("account_type", "brokerage"),
        ("owner_type", "trust"),
        ("holder_name", ""),
        ("holder_name", "Alice\u0000Smith"),
    ],
)
def test_each_invalid_field_alone_is_a_422_naming_it(alice: Payments, field: str, value: str) -> None:
    # When Alice adds a bank account with one bad field
    answer = alice.add_bank(**{field: value})
    # Then it is refused with that field named, its value never echoed, and nothing is stored
    assert answer.status == 422, answer
    assert [f["field"] for f in answer.body["error"]["fields"]] == [field]
    assert value not in str(answer.body) or not value
    assert alice.request("GET", f"/sites/{SITE}/bank-accounts").body["items"] == []


def test_a_bad_routing_number_names_the_aba_check(alice: Payments) -> None:
    answer = alice.add_bank(routing_number="000000000")
    assert answer.error() == "invalid_routing_number"
    assert "all zeros" in answer.body["error"]["fields"][0]["issue"]


def test_the_account_number_is_stored_only_as_kms_ciphertext_bound_to_its_user(alice: Payments) -> None:
    # When Alice adds a bank account
    created = alice.add_bank()
    assert created.status == 201 and created.body["last4"] == ACCOUNT_NUMBER[-4:] and created.body["verified"]
    # Then no stored item of any table holds the account number, in any encoding, outside the ciphertext
    raw = alice.raw_items()
    spellings = {ACCOUNT_NUMBER, base64.b64encode(ACCOUNT_NUMBER.encode()).decode(), ACCOUNT_NUMBER.encode().hex()}
    for item in raw:
        text = str({k: v for k, v in item.items() if k != "account_ciphertext"})
        assert not any(s in text for s in spellings), item
    bank = next(from_item(i) for i in raw if i.get("type", {}).get("S") == "bank_account")
    assert ACCOUNT_NUMBER.encode() not in bytes(bank["account_ciphertext"])
    # And the ciphertext decrypts with Alice's context only: copied to Bob's item, it does not decrypt there
    kms, key_id = client("kms"), alice.settings.kms_key_id
    mine = {"site_id": SITE, "user_id": alice.users[ALICE].user_id, "purpose": "bank_account"}
    ciphertext = bytes(bank["account_ciphertext"])
    assert kms.decrypt(KeyId=key_id, CiphertextBlob=ciphertext, EncryptionContext=mine)["Plaintext"] == (
        ACCOUNT_NUMBER.encode()
    )
    with pytest.raises(ClientError):
        kms.decrypt(KeyId=key_id, CiphertextBlob=ciphertext,
                    EncryptionContext={**mine, "user_id": alice.users[BOB].user_id})  # fmt: skip
    # And the list shows the last 4 digits only
    listed = alice.request("GET", f"/sites/{SITE}/bank-accounts").body["items"]
    assert [b["last4"] for b in listed] == [ACCOUNT_NUMBER[-4:]] and ACCOUNT_NUMBER not in str(listed)


def test_the_same_account_twice_is_a_conflict(alice: Payments) -> None:
    assert alice.add_bank().status == 201
    assert alice.add_bank(holder_name="A. Smith").error() == "bank_account_exists"


def _on_file(pay: Payments, account_id: str, routing: str, number: str) -> None:
    """ASPIRE has this bank account on file for `account_id`, as the sync stores it."""
    state = AccountState(
        account={"AccountId": account_id, "Name": "Acme", "AccountType": "Business", "Email": ""},
        roles=[],
        bank_accounts=(
            {
                "BankAccountId": "77",
                "HolderName": "Acme",
                "RoutingNumber": routing,
                "AccountNumber": number,
                "AccountType": "checking",
                "OwnerType": "business",
            },
        ),
    )
    key = FingerprintKey(pay.settings.fingerprint_secret_id)()
    for desired in account_items(SITE, [], state, {"incremental"}, fingerprint_key=key):
        client("dynamodb").put_item(TableName=pay.settings.table_data, Item=to_item(desired.item()))


def test_existing_only_verifies_an_account_on_file_and_holds_back_any_other(alice: Payments) -> None:
    # Given the instance allows only bank accounts on file, and ASPIRE has one on file for Alice's account
    alice.instance(bank_verification_mode="existing_only")
    _on_file(alice, "A-1", ROUTING, ACCOUNT_NUMBER)
    # When Alice adds that account, it is verified at once
    matched = alice.add_bank()
    assert matched.status == 201 and matched.body["verified"] is True
    # When she adds another one, it is saved unverified and the message says whom to ask
    other = alice.add_bank(account_number="5555444433")
    assert other.status == 201 and other.body["verified"] is False
    assert "help@portal.example" in other.body["message"] and "Summit Equipment Finance" in other.body["message"]
    listed = {b["last4"]: b["verification"] for b in alice.request("GET", f"/sites/{SITE}/bank-accounts").body["items"]}
    assert listed == {ACCOUNT_NUMBER[-4:]: "matched_on_file", "4433": "unverified"}
    # And Bob, whose account has nothing on file, does not match Alice's account on file
    assert alice.add_bank(BOB).body["verified"] is False


def test_accounts_added_under_allow_any_keep_how_they_were_verified(alice: Payments) -> None:
    # Given an account added while any account was allowed
    assert alice.add_bank().body["verified"] is True
    # When the instance switches to existing_only
    alice.instance(bank_verification_mode="existing_only")
    # Then that account still says how it was verified (it is not re-verified or matched)
    (listed,) = alice.request("GET", f"/sites/{SITE}/bank-accounts").body["items"]
    assert (listed["verified"], listed["verification"]) == (True, "allow_any")


def test_the_sync_stores_the_same_fingerprint_and_never_the_account_number(alice: Payments) -> None:
    _on_file(alice, "A-1", ROUTING, ACCOUNT_NUMBER)
    items = [from_item(i) for i in alice.raw_items() if i.get("type", {}).get("S") == "bank_on_file"]
    key = FingerprintKey(alice.settings.fingerprint_secret_id)()
    assert [i["fingerprint"] for i in items] == [bank_fingerprint(key, ROUTING, ACCOUNT_NUMBER)]
    assert ACCOUNT_NUMBER not in str(items)


def test_delete_removes_only_the_users_own_account(alice: Payments) -> None:
    bank_id = alice.add_bank().body["bank_account_id"]
    # Another user's account, a missing one and a hostile id are all the same 404
    for who, target in ((BOB, bank_id), (ALICE, "0" * 32), (ALICE, "BANK@x")):
        answer = alice.request("DELETE", f"/sites/{SITE}/bank-accounts/{target}", who)
        assert (answer.status, answer.error()) == (404, "bank_account_not_found"), target
    assert alice.request("DELETE", f"/sites/{SITE}/bank-accounts/{bank_id}").status == 204
    assert alice.request("GET", f"/sites/{SITE}/bank-accounts").body["items"] == []


def test_the_fingerprint_key_comes_from_secrets_manager(alice: Payments) -> None:
    # Given the secret's value / Then the stored fingerprint is the HMAC under exactly that key
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=alice.settings.fingerprint_secret_id)
    alice.add_bank()
    (bank,) = [from_item(i) for i in alice.raw_items() if i.get("type", {}).get("S") == "bank_account"]
    assert bank["fingerprint"] == bank_fingerprint(secret["SecretString"].encode(), ROUTING, ACCOUNT_NUMBER)
