"""SiteMap: which site a private label belongs to, and its configuration rules."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.domain.errors import ConfigurationError
from portal.domain.facts import SiteConfig
from portal.domain.sites import SiteMap, normalise_label


def three_sites() -> SiteMap:
    return SiteMap(
        [
            SiteConfig("main", frozenset(), True),
            SiteConfig("acme", frozenset({"ACME", "Acme Rentals"}), False),
            SiteConfig("zeta", frozenset({"ZETA"}), False),
        ]
    )


# ---- mapping ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "site"),
    [
        ("ACME", "acme"),
        ("acme", "acme"),
        ("  Acme Rentals ", "acme"),
        ("ACME RENTALS", "acme"),
        ("ZETA", "zeta"),
        (None, "main"),
        ("", "main"),
        ("   ", "main"),
        ("OTHER", None),
    ],
)
def test_site_for_label(label: str | None, site: str | None) -> None:
    # Given three sites, one of them default / When looking up a label / Then the owning site (or None) comes back
    assert three_sites().site_for_label(label) == site


def test_without_a_default_site_unlabelled_contracts_belong_nowhere() -> None:
    # Given sites none of which is default
    site_map = SiteMap([SiteConfig("acme", frozenset({"ACME"}), False)])
    # Then no label maps to no site
    assert site_map.default_site is None
    assert site_map.site_for_label(None) is None
    assert site_map.site_for_label(" ") is None


def test_accessors() -> None:
    # Given three sites
    site_map = three_sites()
    # Then the accessors describe them
    assert site_map.default_site == "main"
    assert site_map.site_ids == {"main", "acme", "zeta"}
    assert site_map.labels_of("acme") == {"ACME", "Acme Rentals"}
    assert site_map.labels_of("main") == frozenset()
    assert site_map.labels_of("unknown") == frozenset()
    assert "acme" in site_map
    assert "unknown" not in site_map
    assert site_map.maps_to("acme", "acme")
    assert not site_map.maps_to("acme", "zeta")


def test_empty_site_map() -> None:
    # Given no sites at all / Then nothing maps anywhere
    site_map = SiteMap([])
    assert site_map.site_ids == frozenset()
    assert site_map.site_for_label("ACME") is None
    assert site_map.site_for_label(None) is None


def test_a_site_may_list_the_same_label_twice_in_different_spellings() -> None:
    # Given one site listing "ACME" and " acme " / Then that is not a conflict
    site_map = SiteMap([SiteConfig("acme", frozenset({"ACME", " acme "}), False)])
    assert site_map.site_for_label("Acme") == "acme"


def test_a_blank_label_in_a_site_config_claims_the_default() -> None:
    # Given a site listing a whitespace label (which counts as "no label")
    site_map = SiteMap([SiteConfig("main", frozenset({"  ", "MAIN"}), False)])
    # Then that site covers unlabelled contracts and the blank label is not listed
    assert site_map.default_site == "main"
    assert site_map.labels_of("main") == {"MAIN"}


# ---- configuration errors ---------------------------------------------------------------------------------------


def test_a_label_on_two_sites_is_a_label_conflict_naming_label_and_sites() -> None:
    # Given two sites claiming the same label in different case
    configs = [SiteConfig("acme", frozenset({"ACME"}), False), SiteConfig("other", frozenset({" acme"}), False)]
    # When building the map / Then it is refused naming the label and both sites
    with pytest.raises(ConfigurationError) as caught:
        SiteMap(configs)
    assert caught.value.code == "label_conflict"
    assert "acme" in caught.value.message
    assert "site acme" in caught.value.message
    assert "site other" in caught.value.message


def test_two_default_sites_are_a_default_site_conflict() -> None:
    # Given two sites both claiming the default
    configs = [SiteConfig("main", frozenset(), True), SiteConfig("second", frozenset({"X"}), True)]
    # When building the map / Then it is refused naming both sites
    with pytest.raises(ConfigurationError) as caught:
        SiteMap(configs)
    assert caught.value.code == "default_site_conflict"
    assert "main" in caught.value.message
    assert "second" in caught.value.message


def test_a_blank_label_on_a_second_site_is_a_default_site_conflict() -> None:
    # Given a default site and another site listing an empty label
    configs = [SiteConfig("main", frozenset(), True), SiteConfig("acme", frozenset({""}), False)]
    # Then the empty label's claim on unlabelled contracts conflicts
    with pytest.raises(ConfigurationError) as caught:
        SiteMap(configs)
    assert caught.value.code == "default_site_conflict"


def test_the_same_site_twice_is_refused() -> None:
    # Given the same site id configured twice / Then the map is refused
    with pytest.raises(ConfigurationError) as caught:
        SiteMap([SiteConfig("acme", frozenset({"A"}), False), SiteConfig("acme", frozenset({"B"}), False)])
    assert caught.value.code == "duplicate_site"


NOT_CONFIGURED = " (site nope is not configured)"


# ---- the check --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "site", "passed", "detail"),
    [
        ("ACME", "acme", True, "private label 'ACME' maps to site acme"),
        (None, "main", True, "contract has no private label, which maps to the default site main"),
        ("ACME", "zeta", False, "private label 'ACME' maps to site acme, not to site zeta"),
        (None, "acme", False, "contract has no private label, which maps to the default site main, not to site acme"),
        ("OTHER", "acme", False, "private label 'OTHER' is not mapped to any site, so it does not map to site acme"),
        (
            "ACME",
            "nope",
            False,
            "private label 'ACME' maps to site acme, not to site nope (site nope is not configured)",
        ),
    ],
)
def test_check_label_maps_to_site(label: str | None, site: str, passed: bool, detail: str) -> None:
    # Given three sites / When checking a label against a site
    check = three_sites().check_label_maps_to_site(label, site)
    # Then the check names the label and the site it maps to
    assert check.rule == "private_label_maps_to_site"
    assert check.passed is passed
    assert check.detail == detail


def test_check_without_default_site_says_so() -> None:
    # Given no default site / When checking an unlabelled contract
    check = SiteMap([SiteConfig("acme", frozenset({"ACME"}), False)]).check_label_maps_to_site(None, "acme")
    # Then it fails saying there is no default site
    assert not check.passed
    assert "no default site" in check.detail


# ---- properties -------------------------------------------------------------------------------------------------

label_text = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -_", min_size=1, max_size=12
)
real_label = label_text.filter(lambda s: s.strip() != "")


@st.composite
def site_layouts(draw: st.DrawFn) -> tuple[list[SiteConfig], str | None]:
    """Valid configurations: distinct site ids, labels disjoint after normalisation, at most one default."""
    n_sites = draw(st.integers(min_value=1, max_value=5))
    site_ids = [f"site-{i}" for i in range(n_sites)]
    labels = draw(st.lists(real_label, max_size=12, unique_by=lambda s: s.strip().casefold()))
    owners = [draw(st.sampled_from(site_ids)) for _ in labels]
    default = draw(st.none() | st.sampled_from(site_ids))
    configs = [
        SiteConfig(
            site_id,
            frozenset(label for label, owner in zip(labels, owners, strict=True) if owner == site_id),
            site_id == default,
        )
        for site_id in site_ids
    ]
    return configs, default


def _variant(label: str, upper: bool, pad: str) -> str:
    return pad + (label.upper() if upper else label.lower()) + pad


@given(site_layouts(), st.booleans(), st.sampled_from(["", " ", "  ", "\t"]))
def test_every_configured_label_maps_to_exactly_its_site(
    layout: tuple[list[SiteConfig], str | None], upper: bool, pad: str
) -> None:
    # Given any valid configuration
    configs, default = layout
    site_map = SiteMap(configs)
    for config in configs:
        # Then every label (in any case, with any padding) maps to its own site and is listed for it
        for label in config.private_labels:
            assert site_map.site_for_label(_variant(label, upper, pad)) == config.site_id
            assert site_map.check_label_maps_to_site(label, config.site_id).passed
            other_sites = site_map.site_ids - {config.site_id}
            assert not any(site_map.check_label_maps_to_site(label, other).passed for other in other_sites)
        assert site_map.labels_of(config.site_id) == {label.strip() for label in config.private_labels}
    # And unlabelled contracts map to the default site
    assert site_map.default_site == default
    assert site_map.site_for_label(None) == default
    assert site_map.site_for_label(pad) == default


@given(site_layouts(), real_label)
def test_an_unconfigured_label_maps_to_no_site(layout: tuple[list[SiteConfig], str | None], label: str) -> None:
    # Given any valid configuration and a label none of its sites lists
    configs, _ = layout
    configured = {normalise_label(lbl) for config in configs for lbl in config.private_labels}
    assume(normalise_label(label) not in configured)
    # Then the label maps to no site
    assert SiteMap(configs).site_for_label(label) is None


@given(real_label, st.booleans())
def test_any_label_on_two_sites_is_refused(label: str, upper: bool) -> None:
    # Given two sites listing the same label, possibly in different case
    configs = [
        SiteConfig("one", frozenset({label}), False),
        SiteConfig("two", frozenset({_variant(label, upper, " ")}), False),
    ]
    # Then the map is refused as a label conflict
    with pytest.raises(ConfigurationError) as caught:
        SiteMap(configs)
    assert caught.value.code == "label_conflict"
