"""The user search index's tokens and query plans (portal.services.user_search)."""

from __future__ import annotations

from portal.services.user_search import IndexEntry, index_entries, name_words, phonetic_codes, plan


def test_name_words_drop_accents_apostrophes_and_split_on_hyphens() -> None:
    assert name_words("Mary-Ann O'Brien") == ["mary", "ann", "obrien"]
    assert name_words("  José  Núñez ") == ["jose", "nunez"]


def test_spelling_variants_share_a_phonetic_code() -> None:
    assert phonetic_codes("jon") & phonetic_codes("john")
    assert phonetic_codes("smyth") & phonetic_codes("smith")
    assert not phonetic_codes("smith") & phonetic_codes("garcia")


def test_a_user_is_indexed_by_name_words_email_local_part_and_phonetic_codes() -> None:
    entries = index_entries("John", "Smith", "J.Smith@Example.com")
    assert {IndexEntry("N", "john"), IndexEntry("N", "smith")} <= entries
    assert {IndexEntry("E", "j.smith@example.com"), IndexEntry("E", "j.smith")} <= entries
    assert {e.kind for e in entries} == {"N", "E", "PH"}


def test_long_names_index_at_most_three_words_each_so_a_user_write_fits_one_transaction() -> None:
    entries = index_entries("alpha bravo charlie delta echo", "foxtrot golf hotel india", "x@example.com")
    assert len(entries) <= 20


def test_a_query_with_an_at_sign_searches_emails_only() -> None:
    assert plan("Ann@Example.com").email and plan("Ann@Example.com").words == ("ann@example.com",)
    assert plan("Jon  Smyth jon").words == ("jon", "smyth") and not plan("jon smyth").email
    assert plan("a").words == ()
