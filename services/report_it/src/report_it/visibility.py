"""Who may see what of a report: the privacy rules in one place."""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

from deal_shared.auth import Principal, Role
from deal_shared.geo import METRES_PER_DEGREE
from report_it.models import Category, Report

STAFF_ROLES = (Role.staff, Role.team_leader, Role.manager, Role.admin, Role.safeguarding)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class Viewer:
    principal: Principal | None = None
    tracking_token: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.principal is not None and self.principal.has_any(*STAFF_ROLES)

    @property
    def is_safeguarding(self) -> bool:
        return self.principal is not None and self.principal.has_any(Role.safeguarding)

    def is_author(self, report: Report) -> bool:
        return self.principal is not None and report.staff_subject == self.principal.subject

    def holds_tracking_token(self, report: Report) -> bool:
        if not self.tracking_token:
            return False
        return hmac.compare_digest(hash_token(self.tracking_token), report.tracking_token_hash)

    def can_see_category(self, category: Category) -> bool:
        """May this viewer see the category's reports in lists and lookups?"""
        if category.restricted:
            return self.is_safeguarding
        return not category.staff_only or self.is_staff

    def can_see(self, report: Report, category: Category) -> bool:
        return self.can_see_category(category) or (category.staff_only and self.is_author(report))

    def sees_private(self, report: Report, category: Category) -> bool:
        """Contact details and staff identity: the reporter themself, or staff allowed to see the report."""
        return self.holds_tracking_token(report) or (self.is_staff and self.can_see(report, category))

    def sees_exact(self, category: Category) -> bool:
        return not category.sensitive or self.is_staff


def coarsen(lat: float, lon: float, grid_m: float) -> tuple[float, float]:
    """Snap to the centre of a grid cell, so a sensitive report's public position is only approximate."""
    lat_step = grid_m / METRES_PER_DEGREE
    lon_step = grid_m / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return (
        round((math.floor(lat / lat_step) + 0.5) * lat_step, 5),
        round((math.floor(lon / lon_step) + 0.5) * lon_step, 5),
    )
