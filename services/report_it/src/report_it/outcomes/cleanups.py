"""Community clean-ups held at hotspots, as Volunteering records them: clear-ups of a hotspot as much as the
council's own fixes are."""

from __future__ import annotations

from datetime import datetime

from deal_shared.errors import RemoteError
from deal_shared.moments import as_utc
from deal_shared.volunteering import CleanUpHeld, VolunteeringClient


def held_between(
    client: VolunteeringClient | None, start: datetime, end: datetime
) -> tuple[list[CleanUpHeld], str | None]:
    """The clean-ups held in [start, end), and why none could be read (None: they were)."""
    if client is None:
        return [], "No Volunteering is configured (REPORT_IT_VOLUNTEERING_URL): clean-ups are not counted."
    found: dict[object, CleanUpHeld] = {}
    try:
        # Leave years need not be calendar years: ask for every one that can overlap the period.
        for year in range(start.year - 1, end.year + 1):
            for cleanup in client.cleanups(leave_year=year).held:
                found[cleanup.opportunity_id] = cleanup
    except RemoteError as exc:
        return [], f"Volunteering could not be asked ({exc}); clean-ups are not counted."
    held = [c for c in found.values() if c.held_at is not None and start <= as_utc(c.held_at) < end]
    return sorted(held, key=lambda c: as_utc(c.held_at)), None  # type: ignore[arg-type]
