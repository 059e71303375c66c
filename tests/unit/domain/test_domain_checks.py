"""Check and Verdict: the checklist shape behind every diagnostics answer."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.checks import Check, Verdict, format_ids

PASS_A = Check("rule_a", True, "a holds")
FAIL_B = Check("rule_b", False, "b does not hold")
FAIL_C = Check("rule_c", False, "c does not hold")

checks_strategy = st.lists(
    st.builds(Check, rule=st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True), passed=st.booleans(), detail=st.text()),
    max_size=8,
)


def test_verdict_with_all_checks_passed_is_ok() -> None:
    # Given a verdict whose checks all passed
    verdict = Verdict((PASS_A, Check("rule_b", True, "b holds")))
    # When / Then it is ok with no failures
    assert verdict.ok
    assert verdict.failed == ()
    assert verdict.first_failure is None


def test_verdict_with_a_failed_check_is_not_ok_and_lists_failures_in_order() -> None:
    # Given a verdict with two failed checks after a passed one
    verdict = Verdict((PASS_A, FAIL_B, FAIL_C))
    # When / Then it is not ok, lists both failures in order and names the first
    assert not verdict.ok
    assert verdict.failed == (FAIL_B, FAIL_C)
    assert verdict.first_failure == FAIL_B


def test_empty_verdict_is_ok() -> None:
    # Given a verdict without checks / Then it is vacuously ok
    assert Verdict(()).ok


def test_verdict_accepts_a_list_and_stores_a_tuple() -> None:
    # Given a verdict built from a list
    verdict = Verdict([PASS_A, FAIL_B])  # type: ignore[arg-type]
    # Then its checks are an immutable tuple
    assert verdict.checks == (PASS_A, FAIL_B)
    assert isinstance(verdict.checks, tuple)


def test_check_and_verdict_are_frozen() -> None:
    # Given a check and a verdict / When changing a field / Then it is refused
    with pytest.raises(dataclasses.FrozenInstanceError):
        PASS_A.passed = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Verdict(()).checks = (PASS_A,)  # type: ignore[misc]


def test_get_finds_a_check_by_rule() -> None:
    # Given a verdict
    verdict = Verdict((PASS_A, FAIL_B))
    # When looking checks up by rule / Then the right one (or None) comes back
    assert verdict.get("rule_b") == FAIL_B
    assert verdict.get("missing") is None


def test_as_dict_gives_the_diagnostics_shape() -> None:
    # Given a failing and a passing verdict
    failing = Verdict((PASS_A, FAIL_B))
    passing = Verdict((PASS_A,))
    # When rendered for diagnostics
    failing_dict = failing.as_dict("visible", "not_visible")
    passing_dict = passing.as_dict("visible", "not_visible")
    # Then the verdict word reflects the outcome and every check is listed in order
    assert failing_dict == {
        "verdict": "not_visible",
        "checks": [
            {"rule": "rule_a", "passed": True, "detail": "a holds"},
            {"rule": "rule_b", "passed": False, "detail": "b does not hold"},
        ],
    }
    assert passing_dict["verdict"] == "visible"


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([], "none"),
        (["A"], "A"),
        (["A", "B", "C", "D", "E"], "A, B, C, D, E"),
        (["A", "B", "C", "D", "E", "F", "G"], "A, B, C, D, E and 2 more"),
    ],
)
def test_format_ids_caps_the_list_at_five(ids: list[str], expected: str) -> None:
    # Given some ids / When formatted for a detail / Then at most five are listed
    assert format_ids(ids) == expected


def test_format_ids_accepts_a_custom_limit_and_a_generator() -> None:
    # Given a generator of ids and a limit of 2 / Then two are listed and the rest counted
    assert format_ids((x for x in "ABCD"), limit=2) == "A, B and 2 more"


@given(checks_strategy)
def test_verdict_properties_agree(checks: list[Check]) -> None:
    # Given any list of checks
    verdict = Verdict(tuple(checks))
    # Then ok, failed and first_failure tell the same story
    assert verdict.ok == (not verdict.failed)
    assert verdict.failed == tuple(c for c in checks if not c.passed)
    assert verdict.first_failure == (verdict.failed[0] if verdict.failed else None)
    rendered = verdict.as_dict("yes", "no")
    assert rendered["verdict"] == ("yes" if verdict.ok else "no")
    assert [c["rule"] for c in rendered["checks"]] == [c.rule for c in checks]
