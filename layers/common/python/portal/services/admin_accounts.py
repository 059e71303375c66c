"""Admin account search and reverse lookup (PRODUCT.md §4 admin actions, API.md admin table).

Search: `q` is matched over account names (every word of `q` must match a word of the name: exactly, as a
prefix, or by its Metaphone code, so "Cedar Truking" finds "Cedar Trucking") and over the account number
(prefix). Each word costs two Queries of the sync's site-independent search index (`ASEARCH#…`, a bounded page
each), whatever the number of accounts. Candidates are ranked exact > prefix > phonetic (summed over the words),
then by name; each is judged by `linkability_facts.verdict_of` (the domain rule), so the accounts that match
but cannot be linked here come back separately with the rule that failed, never as a silent empty list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.sites import SiteMap
from portal.services.linkability_facts import AccountFacts, AccountFactsReader, linkability_many
from portal.services.pagination import PageScope, decode_page_token, encode_page_token, int_position
from portal.services.search_terms import SEARCH_BUCKET, number_key, phonetic, search_tokens

EXACT, PREFIX, PHONETIC = 0, 1, 2
TERM_QUERY_LIMIT = 200  # index entries read per Query: bounds a search's cost whatever the account count
NOT_LINKABLE_MAX = 10
FACTS_BATCH = 100


@dataclass(frozen=True)
class SearchHit:
    """One entry of the account search index."""

    account_id: str
    name: str
    term: str  # the indexed word or number that matched ("" for a phonetic code entry)


class AccountIndexReader(AccountFactsReader, Protocol):
    def search(self, kind: str, bucket: str, prefix: str, limit: int) -> list[SearchHit]: ...


class LinkableAccount(BaseModel):
    account_id: str
    name: str
    active_contracts: list[str]


class NotLinkableAccount(BaseModel):
    account_id: str
    name: str
    rule: str
    detail: str


class AccountSearchPage(BaseModel):
    items: list[LinkableAccount]
    not_linkable: list[NotLinkableAccount]
    next_token: str | None = None


class LinkedUser(BaseModel):
    user_id: str
    email: str
    first_name: str
    last_name: str
    status: str


class LinkedUsers(BaseModel):
    account_id: str
    items: list[LinkedUser]


@dataclass(frozen=True)
class Candidate:
    account_id: str
    name: str
    rank: int


def require_site(site_map: SiteMap, site_id: str) -> None:
    if site_id not in site_map:
        raise NotFound(f"There is no site {site_id!r}.", code="site_not_found")


def word_rank(word: str, name: str) -> int | None:
    """How a word of the query matches a name: EXACT (a word of the name), PREFIX, PHONETIC, or None."""
    tokens = search_tokens(name)
    if word in tokens:
        return EXACT
    if any(token.startswith(word) for token in tokens):
        return PREFIX
    code = phonetic(word)
    if code and any(phonetic(token) == code for token in tokens):
        return PHONETIC
    return None


def candidates(q: str, index: AccountIndexReader) -> list[Candidate]:
    """Accounts matching ``q``, best first (see the module docstring for the ranking)."""
    words = [word for word in search_tokens(q) if len(word) >= SEARCH_BUCKET]
    number = number_key(q.strip())
    if not words and len(number) < SEARCH_BUCKET:
        raise ValidationFailed(
            "Search for at least 2 letters or digits.", code="query_too_short",
            fields=[{"field": "q", "issue": "at least 2 letters or digits"}],
        )  # fmt: skip
    # Each word's index entries (prefix + phonetic), bounded per Query. The most selective word (fewest
    # entries, preferably not cut by the bound) gives the candidates; every other word is then matched against
    # each candidate's name in memory, so a common word ("cedar", cut at the bound) cannot hide the account a
    # rare one ("truking") finds.
    names: dict[str, str] = {}
    found_by_word: list[tuple[bool, set[str]]] = []
    for word in words:
        hits = index.search("N", word[:SEARCH_BUCKET], word, TERM_QUERY_LIMIT)
        cut = len(hits) >= TERM_QUERY_LIMIT
        if code := phonetic(word):
            sounds = index.search("P", code, "", TERM_QUERY_LIMIT)
            cut = cut or len(sounds) >= TERM_QUERY_LIMIT
            hits += sounds
        names.update((hit.account_id, hit.name) for hit in hits)
        found_by_word.append((cut, {hit.account_id for hit in hits}))
    ranked: dict[str, int] = {}
    if found_by_word:
        _, base = min(found_by_word, key=lambda found: (found[0], len(found[1])))
        for account_id in base:
            ranks = [word_rank(word, names[account_id]) for word in words]
            if all(rank is not None for rank in ranks):
                ranked[account_id] = sum(rank for rank in ranks if rank is not None)
    if len(number) >= SEARCH_BUCKET:
        for hit in index.search("I", number[:SEARCH_BUCKET], number, TERM_QUERY_LIMIT):
            rank = EXACT if hit.term == number else PREFIX
            ranked[hit.account_id] = min(ranked.get(hit.account_id, rank), rank)
            names[hit.account_id] = hit.name
    found = [Candidate(aid, names[aid], rank) for aid, rank in ranked.items()]
    return sorted(found, key=lambda c: (c.rank, c.name.casefold(), c.account_id))


def _active_on_site(facts: AccountFacts, site_id: str, site_map: SiteMap) -> list[str]:
    return [
        c.contract_id
        for c in facts.contracts
        if c.active and c.grants_access_to(facts.account_id) and site_map.maps_to(c.private_label, site_id)
    ]


def search_accounts(
    site_id: str,
    q: str,
    limit: int,
    next_token: str | None,
    *,
    staff_sub: str,
    index: AccountIndexReader,
    site_map: SiteMap,
) -> AccountSearchPage:
    """A page of linkable accounts matching ``q`` and the matching accounts that are not linkable; the page
    token is bound to the staff member, the site and ``q``."""
    require_site(site_map, site_id)
    scope = PageScope(site_id, staff_sub, "admin", f"accounts?q={q.casefold()}")
    start = decode_page_token(next_token, scope, int_position) if next_token else 0
    ranked = candidates(q, index)
    items: list[LinkableAccount] = []
    not_linkable: list[NotLinkableAccount] = []
    position = start
    while position < len(ranked) and len(items) < limit:
        batch = ranked[position : position + FACTS_BATCH]
        verdicts = linkability_many(site_id, [c.account_id for c in batch], reader=index, site_map=site_map)
        for candidate in batch:
            position += 1
            facts, verdict = verdicts[candidate.account_id]
            if verdict.ok and facts is not None:
                items.append(LinkableAccount(account_id=candidate.account_id, name=facts.name,
                                             active_contracts=_active_on_site(facts, site_id, site_map)))  # fmt: skip
            elif len(not_linkable) < NOT_LINKABLE_MAX and (failure := verdict.first_failure) is not None:
                not_linkable.append(NotLinkableAccount(account_id=candidate.account_id, name=candidate.name,
                                                       rule=failure.rule, detail=failure.detail))  # fmt: skip
            if len(items) >= limit:
                break
    more = position < len(ranked)
    return AccountSearchPage(
        items=items, not_linkable=not_linkable, next_token=encode_page_token(position, scope) if more else None
    )


class LinkedUserReader(Protocol):
    def linked_user_ids(self, site_id: str, account_id: str) -> list[str]: ...

    def get_user(self, site_id: str, user_id: str) -> Any: ...


def linked_users(
    site_id: str, account_id: str, status: str | None, store: LinkedUserReader, site_map: SiteMap
) -> LinkedUsers:
    """Who is linked to ``account_id`` on the site (identity gsi1 `S#<site>#A#<account>`), by status."""
    require_site(site_map, site_id)
    try:
        user_ids: Sequence[str] = store.linked_user_ids(site_id, account_id)
    except ValueError:  # an id that cannot be part of a key links no one
        user_ids = []
    users = []
    for user_id in user_ids:
        record = store.get_user(site_id, user_id)
        if record is None:
            continue
        user = record.user
        if status is not None and str(user.status) != status:
            continue
        users.append(LinkedUser(user_id=user.user_id, email=user.email, first_name=user.first_name,
                                last_name=user.last_name, status=str(user.status)))  # fmt: skip
    return LinkedUsers(account_id=account_id, items=sorted(users, key=lambda u: (u.email, u.user_id)))
