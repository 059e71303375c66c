"""Which site a contract's private label belongs to.

Each site maps to one or more ASPIRE private labels; a label maps to at most one site; the default site (at most
one) covers contracts with no private label. Labels compare after strip + casefold, and an empty or whitespace
label counts as "no label" -- also in a site's configuration, where it claims the default.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from portal.domain.checks import Check
from portal.domain.errors import ConfigurationError
from portal.domain.facts import SiteConfig

__all__ = ["RULE_LABEL_MAPS_TO_SITE", "SiteMap", "describe_label", "normalise_label"]

RULE_LABEL_MAPS_TO_SITE = "private_label_maps_to_site"


def normalise_label(label: str | None) -> str | None:
    """The comparison form of a private label: stripped and casefolded; None for no/blank label."""
    if label is None:
        return None
    folded = label.strip().casefold()
    return folded or None


def describe_label(label: str | None) -> str:
    """A label as it reads in a detail sentence."""
    stripped = label.strip() if label is not None else ""
    return f"private label '{stripped}'" if stripped else "no private label"


class SiteMap:
    """The validated site <-> private-label mapping of one portal instance."""

    def __init__(self, configs: Iterable[SiteConfig]) -> None:
        self._labels: dict[str, frozenset[str]] = {}
        self._site_by_label: dict[str, str] = {}
        self._default_site: str | None = None
        for config in configs:
            self._add(config)

    def _add(self, config: SiteConfig) -> None:
        site_id = config.site_id
        if site_id in self._labels:
            raise ConfigurationError(f"site {site_id} is configured twice", code="duplicate_site")
        claims_default = config.is_default
        labels: set[str] = set()
        for raw in config.private_labels:
            key = normalise_label(raw)
            if key is None:
                claims_default = True
                continue
            owner = self._site_by_label.get(key)
            if owner is not None and owner != site_id:
                raise ConfigurationError(
                    f"private label '{raw.strip()}' is mapped to both site {owner} and site {site_id}; "
                    "a label maps to at most one site",
                    code="label_conflict",
                )
            self._site_by_label[key] = site_id
            labels.add(raw.strip())
        if claims_default:
            if self._default_site is not None:
                raise ConfigurationError(
                    f"both site {self._default_site} and site {site_id} claim to be the default site "
                    "(contracts with no private label); at most one may",
                    code="default_site_conflict",
                )
            self._default_site = site_id
        self._labels[site_id] = frozenset(labels)

    @property
    def default_site(self) -> str | None:
        """The site covering contracts with no private label, if one is configured."""
        return self._default_site

    @property
    def site_ids(self) -> frozenset[str]:
        return frozenset(self._labels)

    def __contains__(self, site_id: object) -> bool:
        return site_id in self._labels

    def fingerprint(self) -> str:
        """A hash of which site owns which labels and which is the default: the sync compares it with the one
        stored at its last run, and a change (staff moved a label) makes the next run a full resync."""
        canonical = {
            "default": self._default_site,
            "labels": {site: sorted(normalise_label(label) or "" for label in labels)
                       for site, labels in sorted(self._labels.items())},
        }  # fmt: skip
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()

    def labels_of(self, site_id: str) -> frozenset[str]:
        """The private labels configured for ``site_id`` (stripped, as configured); empty for unknown sites."""
        return self._labels.get(site_id, frozenset())

    def site_for_label(self, label: str | None) -> str | None:
        """The site a contract with ``label`` belongs to: no label -> default site; unmapped label -> None."""
        key = normalise_label(label)
        if key is None:
            return self._default_site
        return self._site_by_label.get(key)

    def maps_to(self, label: str | None, site_id: str) -> bool:
        """True when a contract with ``label`` belongs to ``site_id``."""
        return self.site_for_label(label) == site_id

    def check_label_maps_to_site(self, label: str | None, site_id: str) -> Check:
        """Check "private_label_maps_to_site", naming the label and the site it maps to."""
        target = self.site_for_label(label)
        what = describe_label(label)
        if target == site_id:
            if normalise_label(label) is None:
                detail = f"contract has no private label, which maps to the default site {site_id}"
            else:
                detail = f"{what} maps to site {site_id}"
            return Check(RULE_LABEL_MAPS_TO_SITE, True, detail)
        unknown = "" if site_id in self._labels else f" (site {site_id} is not configured)"
        if target is not None and normalise_label(label) is None:
            detail = f"contract has no private label, which maps to the default site {target}, not to site {site_id}"
        elif target is not None:
            detail = f"{what} maps to site {target}, not to site {site_id}{unknown}"
        elif normalise_label(label) is None:
            detail = f"contract has no private label and no default site is configured, so it maps to no site{unknown}"
        else:
            detail = f"{what} is not mapped to any site, so it does not map to site {site_id}{unknown}"
        return Check(RULE_LABEL_MAPS_TO_SITE, False, detail)
