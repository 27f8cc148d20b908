"""Ordering between the services: every message one service sends another about a thing (a report's case, a report)
carries the sender's version of that thing, a number it raises on every change.

Outboxes retry each message on its own, so messages arrive in any order and some arrive twice. The receiver keeps the
last version it applied, applies only a newer one, and answers an older or equal one with success, saying it was
ignored, so that the sender's outbox counts it delivered and stops. A message without a version comes from a release
that did not send one: it is applied as it was before versions existed."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

# The largest value of the PostgreSQL integer columns versions are stored in.
INT32_MAX = 2**31 - 1

SenderVersion = Annotated[int, Field(ge=0, le=INT32_MAX)]


class Outcome(StrEnum):
    applied = "applied"
    duplicate = "duplicate, ignored"
    stale = "stale, ignored"


class DeliveryAnswer(BaseModel):
    """What a receiver did with a message it accepted; every outcome is a success for the sender."""

    outcome: Outcome
    detail: str


def stale_detail(version: int, held: int) -> str:
    return f"stale, ignored: version {version} is not newer than version {held}, already applied"
