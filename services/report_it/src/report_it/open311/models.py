"""Open311's own tables: API keys, and what each key submitted (client ids, tokens, media links)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, LargeBinary, UniqueConstraint, Uuid
from sqlmodel import Field, Session, select

from deal_shared.db import JSONType, UTCDateTime, utcnow
from report_it.db import Table


class ApiKey(Table, table=True):
    """A named key a third-party client (the council website, FixMyStreet) presents as `api_key`."""

    __tablename__ = "open311_api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=120)
    # Only the SHA-256 of the key is kept; the key itself is shown once, when it is created.
    key_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False, unique=True))
    key_prefix: str = Field(max_length=16)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Submission(Table, table=True):
    """A report that came in through Open311: which key sent it, under which client id, with which links."""

    __tablename__ = "open311_submission"
    # A client id (e.g. FixMyStreet's report id) names one report per key: a resubmission finds the first.
    __table_args__ = (UniqueConstraint("api_key_id", "client_id"),)

    report_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("report.id"), primary_key=True, nullable=False))
    api_key_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("open311_api_key.id"), nullable=False, index=True))
    client_id: str | None = Field(default=None, max_length=200)
    token: str = Field(max_length=64, unique=True)
    device_id: str | None = Field(default=None, max_length=200)
    account_id: str | None = Field(default=None, max_length=200)
    # Links as the client sent them: never fetched by the server.
    media_urls: list[str] = Field(default_factory=list, sa_type=JSONType)
    client_attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UpdateReceipt(Table, table=True):
    """A service request update posted by a client: the same `update_id` from the same key is applied once."""

    __tablename__ = "open311_update_receipt"
    __table_args__ = (UniqueConstraint("api_key_id", "update_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    api_key_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("open311_api_key.id"), nullable=False))
    update_id: str | None = Field(default=None, max_length=200)
    report_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("report.id"), nullable=False, index=True))
    # The timeline entry it became (a plain id: the timeline is the lifecycle's table).
    report_update_id: uuid.UUID | None = Field(default=None)
    # A link as the client sent it: never fetched by the server.
    media_url: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def client_attributes_of(session: Session, report_id: uuid.UUID) -> dict[str, Any] | None:
    """What an Open311 client sent with a report beyond its answers; None for a report from another channel."""
    query = select(Submission.client_attributes).where(Submission.report_id == report_id)
    return session.exec(query).first()
