"""Report IT's tables. Another service's objects would be plain id columns, never foreign keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlmodel import Field

from deal_shared.db import JSONType, UTCDateTime, utcnow
from deal_shared.idempotency import IdempotencyRecordBase
from deal_shared.outbox import OutboxRowBase
from report_it.db import Table


def _when(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class Category(Table, table=True):
    __tablename__ = "category"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=120)
    group: str = Field(sa_column=Column("group_name", String(60), nullable=False))
    description: str = Field(default="", sa_type=Text)
    keywords: list[str] = Field(default_factory=list, sa_type=JSONType)
    skill: str = Field(max_length=64)
    staff_only: bool = False
    sensitive: bool = False
    restricted: bool = False
    nearby_radius_m: int = 250
    default_priority: str = Field(default="normal", max_length=16)
    target_hours: dict[str, int] = Field(default_factory=dict, sa_type=JSONType)
    # Per priority, {"amount": 3, "unit": "working_days"}: measured on the council's working calendar.
    targets: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False, server_default="{}")
    )
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    active: bool = True
    created_at: datetime = _when()
    updated_at: datetime = _when()


class Report(Table, table=True):
    __tablename__ = "report"
    __table_args__ = (
        # "Already reported nearby?": open reports of one category inside a bounding box (longitude is checked
        # in the index, so rows outside the box are never fetched).
        Index("ix_report_nearby", "category_code", "status", "lat", "lon"),
        Index("ix_report_created", "created_at", "id"),
        Index("ix_report_updated", "updated_at", "id"),
        Index("ix_report_triage", "status", "created_at", "id"),
        # One category over a window of dates, newest first (Open311's GET requests with a service_code).
        Index("ix_report_category_created", "category_code", "created_at", "id"),
        # A contact's reports over the last day (the per-contact limit at intake).
        Index(
            "ix_report_contact_email",
            "reporter_email",
            "created_at",
            postgresql_where=text("reporter_email IS NOT NULL"),
            sqlite_where=text("reporter_email IS NOT NULL"),
        ),
        Index(
            "ix_report_contact_phone",
            "reporter_phone",
            "created_at",
            postgresql_where=text("reporter_phone IS NOT NULL"),
            sqlite_where=text("reporter_phone IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str = Field(max_length=16, unique=True)
    category_code: str = Field(sa_column=Column(String(64), ForeignKey("category.code"), nullable=False))
    status: str = Field(default="submitted", max_length=32)
    priority: str = Field(default="normal", max_length=16)
    lat: float
    lon: float
    address: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, sa_type=Text)
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    channel: str = Field(max_length=16)
    reporter_name: str | None = Field(default=None, max_length=200)
    reporter_email: str | None = Field(default=None, max_length=254)
    reporter_phone: str | None = Field(default=None, max_length=40)
    reporter_wants_updates: bool = False
    tracking_token_hash: bytes = Field(sa_type=LargeBinary)
    staff_subject: str | None = Field(default=None, max_length=200, index=True)
    staff_name: str | None = Field(default=None, max_length=200)
    staff_department: str | None = Field(default=None, max_length=120)
    support_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = _when()
    updated_at: datetime = _when()
    expected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fixed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duplicate_of_id: uuid.UUID | None = Field(default=None, foreign_key="report.id", index=True)
    # The footprint and ward Footprints placed the report's case in: the "area" of statistics and exports.
    footprint_code: str | None = Field(default=None, max_length=32)
    ward_code: str | None = Field(default=None, max_length=32)
    # Bumped on every change Footprints must hear of; its case upsert ignores older versions.
    case_version: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # The sequence of the last case event from Footprints applied here: an event no newer is stale and ignored.
    case_event_sequence: int | None = Field(default=None)
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when a fixed or closed report is reopened: it waits in the triage queue again until an officer acts.
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the routing rules looked at the new report, and the rule that matched (if any).
    routed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    routing_rule_id: uuid.UUID | None = Field(default=None)


class Photo(Table, table=True):
    __tablename__ = "photo"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="report.id", index=True)
    position: int
    storage_key: str = Field(max_length=200)
    thumbnail_key: str = Field(max_length=200)
    width: int
    height: int
    sha256: str = Field(max_length=64)
    created_at: datetime = _when()


class IdempotencyRecord(IdempotencyRecordBase, Table, table=True):
    """The first response to an Idempotency-Key, replayed to retries of the same request."""

    __tablename__ = "idempotency_record"


class ReportUpdate(Table, table=True):
    """One entry of a report's timeline: who, when, what changed, what the public and staff were told."""

    __tablename__ = "report_update"
    __table_args__ = (Index("ix_report_update_report", "report_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="report.id")
    created_at: datetime = _when()
    actor_kind: str = Field(max_length=16)
    actor_subject: str | None = Field(default=None, max_length=200)
    actor_name: str | None = Field(default=None, max_length=200)
    actor_department: str | None = Field(default=None, max_length=120)
    status_from: str | None = Field(default=None, max_length=32)
    status_to: str | None = Field(default=None, max_length=32)
    public_text: str | None = Field(default=None, sa_type=Text)
    internal_note: str | None = Field(default=None, sa_type=Text)
    changes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    photo_id: uuid.UUID | None = Field(default=None, foreign_key="photo.id")
    template_id: uuid.UUID | None = Field(default=None)
    # Footprints' case event id: the same event delivered twice is recorded once.
    event_id: str | None = Field(default=None, max_length=200, unique=True)


class Subscription(Table, table=True):
    """Someone who asked for a report's updates by e-mail (a "me too", or a subscriber). Updates go only to a
    confirmed subscription: the address's owner followed the link in the confirmation e-mail (double opt-in)."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("report_id", "email"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="report.id", index=True)
    # Indexed for the per-address limit on confirmation e-mails, across reports.
    email: str = Field(max_length=254, index=True)
    name: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when()
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # SHA-256 of the secret in the latest confirmation link; the secret itself is only ever in that e-mail.
    confirmation_token_hash: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True, unique=True, index=True)
    )
    confirmation_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ResponseTemplate(Table, table=True):
    """A saved text staff pick for common updates; admins manage them per category."""

    __tablename__ = "response_template"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    category_code: str | None = Field(
        default=None, sa_column=Column(String(64), ForeignKey("category.code"), nullable=True, index=True)
    )
    title: str = Field(max_length=120)
    text: str = Field(sa_type=Text)
    status: str | None = Field(default=None, max_length=32)
    active: bool = True
    created_at: datetime = _when()
    updated_at: datetime = _when()


class Webhook(Table, table=True):
    """A machine subscriber: a URL told of new and changed reports matching its filters, signed with its secret."""

    __tablename__ = "webhook"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    description: str = Field(default="", max_length=300)
    categories: list[str] = Field(default_factory=list, sa_type=JSONType)
    bbox: list[float] | None = Field(default=None, sa_type=JSONType)
    active: bool = True
    created_by: str = Field(max_length=200)
    created_at: datetime = _when()


class OutboxMessage(OutboxRowBase, Table, table=True):
    """Something to deliver after the transaction that caused it commits: an e-mail, a webhook, a case sync."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "state", "next_attempt_at"),)

    kind: str = Field(max_length=16)
    report_id: uuid.UUID | None = Field(default=None, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class RoutingRule(Table, table=True):
    """What happens to new reports of a category in an area: acknowledged at once, or held for triage; a priority."""

    __tablename__ = "routing_rule"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    position: int = Field(index=True)
    name: str = Field(max_length=120)
    category_code: str | None = Field(default=None, max_length=64)
    footprint_code: str | None = Field(default=None, max_length=32)
    ward_code: str | None = Field(default=None, max_length=32)
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    decision: str = Field(default="hold", max_length=16)
    priority: str | None = Field(default=None, max_length=16)
    active: bool = True
    created_at: datetime = _when()
    updated_at: datetime = _when()
    updated_by: str = Field(max_length=200)


class RoutingRuleAudit(Table, table=True):
    """Each change to a routing rule, kept after the rule itself is deleted."""

    __tablename__ = "routing_rule_audit"
    __table_args__ = (Index("ix_routing_rule_audit_at", "at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    rule_id: uuid.UUID
    at: datetime = _when()
    actor_subject: str = Field(max_length=200)
    actor_name: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=16)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
