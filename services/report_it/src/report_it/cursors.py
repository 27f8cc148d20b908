"""The opaque cursor of a keyset page: the last item's moment and id, base64 of a JSON pair.

Clients are told to pass back only what they were given, but a cursor is text anyone can make, so decoding
checks everything a query will rely on: a pair, a real UUID, and a moment within the years the records can hold,
in UTC (a hand-made one without a zone, or in year 1, would otherwise reach the database and fail there).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from deal_shared.errors import FieldError
from deal_shared.moments import as_utc, out_of_range_reason
from report_it.errors import InvalidCursor


def encode_cursor(at: datetime, item_id: UUID) -> str:
    raw = json.dumps([at.isoformat(), str(item_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, where: str = "this API") -> tuple[datetime, UUID]:
    """The moment (in UTC) and id a cursor carries; InvalidCursor (422 naming query.cursor) for anything else."""
    try:
        at, item_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(at)
        reason = out_of_range_reason(moment)
        if reason is not None:
            raise ValueError(reason)
        return as_utc(moment), UUID(item_id)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor(
            f"The cursor is not one {where} gave out; start again without it.",
            errors=[FieldError(field="query.cursor", reason="is not a valid cursor")],
        ) from exc
