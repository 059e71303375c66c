"""Ports: what the services need from the outside world, named for what they do.

Adapters (named for their technology) implement these; services take them as arguments.
"""

from __future__ import annotations

from typing import Protocol

from portal.domain.settings import InstanceSettings, Site


class SiteReader(Protocol):
    def get_site_and_settings(self, site_id: str) -> tuple[Site | None, InstanceSettings]: ...

    def list_sites(self) -> list[Site]: ...
