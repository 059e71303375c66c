"""The site <-> private-label map, cached per Lambda container for a few minutes.

Every visibility decision needs the SiteMap, and the sites change rarely (an admin edits a site's labels). One
Query of the control table per container every few minutes keeps request paths at their AWS-call budget; an
edited label mapping reaches visibility within `ttl_s` (moving the synced items between sites is the sync's job).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from portal.domain.sites import SiteMap
from portal.ports import SiteReader
from portal.services.sites import site_map

DEFAULT_TTL_S = 180.0


class SiteMapCache:
    def __init__(
        self, sites: SiteReader, ttl_s: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._sites = sites
        self._ttl_s = ttl_s
        self._clock = clock
        self._map: SiteMap | None = None
        self._expires = 0.0

    def get(self) -> SiteMap:
        now = self._clock()
        if self._map is None or now >= self._expires:
            self._map = site_map(self._sites)
            self._expires = now + self._ttl_s
        return self._map
