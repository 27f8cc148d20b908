"""Report IT's public surface: its wire models and the typed client other services call it with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from deal_shared.http import parse, send
from deal_shared.pagination import Page
from deal_shared.text import refuse_control_characters, strip_control_characters
from deal_shared.versions import DeliveryAnswer, Outcome, SenderVersion
from deal_shared.working_time import Target


class ReportStatus(StrEnum):
    submitted = "submitted"
    acknowledged = "acknowledged"
    allocated = "allocated"
    in_progress = "in_progress"
    action_scheduled = "action_scheduled"
    fixed = "fixed"
    not_council_responsibility = "not_council_responsibility"
    duplicate = "duplicate"
    no_further_action = "no_further_action"
    unable_to_locate = "unable_to_locate"
    cancelled = "cancelled"


class StatusGroup(StrEnum):
    open = "open"
    fixed = "fixed"
    closed = "closed"


OPEN_STATUSES = frozenset(
    {
        ReportStatus.submitted,
        ReportStatus.acknowledged,
        ReportStatus.allocated,
        ReportStatus.in_progress,
        ReportStatus.action_scheduled,
    }
)


def status_group(status: ReportStatus) -> StatusGroup:
    if status in OPEN_STATUSES:
        return StatusGroup.open
    if status is ReportStatus.fixed:
        return StatusGroup.fixed
    return StatusGroup.closed


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


PRIORITY_RANK = {Priority.low: 0, Priority.normal: 1, Priority.high: 2, Priority.urgent: 3}


class Channel(StrEnum):
    app = "app"
    web = "web"
    staff = "staff"
    phone = "phone"
    open311 = "open311"


class AttributeDatatype(StrEnum):
    """Open311 GeoReport v2 attribute datatypes."""

    string = "string"
    number = "number"
    datetime = "datetime"
    text = "text"
    singlevaluelist = "singlevaluelist"
    multivaluelist = "multivaluelist"


Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class AttributeValue(BaseModel):
    key: str
    name: str
    raises_priority_to: Priority | None = Field(
        default=None, description="Answering this raises the report's priority to at least this"
    )


class CategoryQuestion(BaseModel):
    """A category's extra question, typed as an Open311 attribute."""

    code: Code
    variable: bool = True
    datatype: AttributeDatatype
    required: bool = False
    datatype_description: str | None = None
    order: int = 0
    description: str
    values: list[AttributeValue] = Field(default_factory=list)


# Round-the-clock hours, at most a year: a larger figure overflows a date and would fail every report made.
TargetHours = Annotated[int, Field(ge=1, le=24 * 366)]


class CategoryFields(BaseModel):
    name: Annotated[str, StringConstraints(min_length=2, max_length=120)]
    group: Annotated[str, StringConstraints(min_length=2, max_length=60)]
    description: str = ""
    keywords: list[str] = Field(default_factory=list)
    skill: Code = Field(description="The skill/team type that deals with it, e.g. street_cleansing")
    staff_only: bool = Field(default=False, description="Only staff may report it; never public")
    sensitive: bool = Field(default=False, description="Public views coarsen its location and hide its text")
    restricted: bool = Field(
        default=False, description="Only the safeguarding role and the report's author may see its reports"
    )
    nearby_radius_m: int = Field(default=250, ge=10, le=5000)
    default_priority: Priority = Priority.normal
    target_hours: dict[Priority, TargetHours] = Field(
        default_factory=dict, description="Target resolution by priority, in round-the-clock hours (see targets)"
    )
    targets: dict[Priority, Target] = Field(
        default_factory=dict,
        description="Target resolution by priority in working time (e.g. 3 working_days); wins over target_hours",
    )
    questions: list[CategoryQuestion] = Field(default_factory=list)
    active: bool = True


class CategoryCreate(CategoryFields):
    code: Code

    check_text = refuse_control_characters()


class CategoryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=2, max_length=120)] | None = None
    group: Annotated[str, StringConstraints(min_length=2, max_length=60)] | None = None
    description: str | None = None
    keywords: list[str] | None = None
    skill: Code | None = None
    staff_only: bool | None = None
    sensitive: bool | None = None
    restricted: bool | None = None
    nearby_radius_m: int | None = Field(default=None, ge=10, le=5000)
    default_priority: Priority | None = None
    target_hours: dict[Priority, TargetHours] | None = None
    targets: dict[Priority, Target] | None = None
    questions: list[CategoryQuestion] | None = None
    active: bool | None = None

    check_text = refuse_control_characters()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        # Every field of a category has a value: an explicit null would be stored and break every later read.
        if value is None:
            raise ValueError("must not be null; leave the field out to keep it as it is")
        return value


class CategoryPublic(CategoryFields):
    code: str


class Location(BaseModel):
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude")
    long: float = Field(ge=-180, le=180, description="WGS84 longitude")


class ReporterContact(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    email: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
        ]
        | None
    ) = None
    phone: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[0-9+() -]{6,40}$")] | None
    ) = None
    wants_updates: bool = True


AnswerValue = str | float | list[str]


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(description="A category code, e.g. fly_tipping")
    location: Location
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None
    answers: dict[str, AnswerValue] = Field(default_factory=dict, description="Answers to the category's questions")
    channel: Channel = Channel.app
    reporter: ReporterContact | None = None
    repeat_confirmed: bool = Field(
        default=False,
        description="Send again with true after a 409 PossibleRepeat: this is a different problem from the earlier one",
    )

    check_text = refuse_control_characters()


class PhotoPublic(BaseModel):
    id: UUID
    url: str
    thumbnail_url: str
    width: int
    height: int


class StaffIdentity(BaseModel):
    subject: str
    name: str | None = None
    department: str | None = None


class ReportPublic(BaseModel):
    """What anyone may see: never the reporter's contact details."""

    id: UUID
    reference: str
    category: str
    category_name: str
    group: str
    status: ReportStatus
    status_group: StatusGroup
    priority: Priority
    location: Location
    location_coarsened: bool = False
    address: str | None
    description: str | None
    answers: dict[str, Any] = Field(default_factory=dict)
    channel: Channel
    photos: list[PhotoPublic] = Field(default_factory=list)
    support_count: int = 0
    created_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    duplicate_of: UUID | None = Field(default=None, description="The original, when this report is a duplicate")


class ReportPrivate(ReportPublic):
    """What the reporter (with their tracking token) and authorised staff see."""

    reporter: ReporterContact | None = None
    staff: StaffIdentity | None = None
    duplicates: list[UUID] = Field(default_factory=list, description="Reports marked as duplicates of this one")
    timeline: list[ReportUpdatePublic] = Field(default_factory=list, description="Updates, oldest first")
    client_attributes: dict[str, Any] | None = Field(
        default=None,
        description="Staff only: what an Open311 client sent about the report beyond the category's questions "
        "(FixMyStreet's uprn, usrn, asset ids, its own id ...), as sent",
    )


class ReportCreated(ReportPrivate):
    tracking_token: str = Field(description="Secret: shows the reporter their own full report. Keep it.")


class NearbyReport(ReportPublic):
    distance_m: float


class ActorKind(StrEnum):
    staff = "staff"
    reporter = "reporter"
    service = "service"
    system = "system"


class ReportUpdateCreate(BaseModel):
    """A staff update: a status change, a public message, an internal note, or any mix of them."""

    model_config = ConfigDict(extra="forbid")

    status: ReportStatus | None = Field(default=None, description="The new status; omit to only add a message")
    public_text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = Field(
        default=None, description="Shown on the public timeline and sent to the reporter and subscribers"
    )
    internal_note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = Field(
        default=None, description="Staff only; never public, never e-mailed"
    )
    template_id: UUID | None = Field(default=None, description="A response template: fills public_text and status")
    duplicate_of: UUID | None = Field(default=None, description="With status=duplicate: the original report")

    check_text = refuse_control_characters()


class ReportChange(BaseModel):
    """Staff correcting a report's category, priority or location; each change is recorded on the timeline."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = None
    priority: Priority | None = None
    location: Location | None = None
    public_text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None
    internal_note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None

    check_text = refuse_control_characters()


class FieldChange(BaseModel):
    field: str
    old: Any = None
    new: Any = None


class ReportUpdatePublic(BaseModel):
    """One entry of a report's timeline; `internal_note` and the staff identity only for staff."""

    id: UUID
    report_id: UUID
    created_at: datetime
    actor_kind: ActorKind
    actor_name: str | None = None
    status_from: ReportStatus | None = None
    status: ReportStatus | None = None
    public_text: str | None = None
    internal_note: str | None = None
    changes: list[FieldChange] = Field(default_factory=list)
    photo: PhotoPublic | None = None


class NotFixed(BaseModel):
    """The reporter saying the problem is still there (with their tracking token), within the reopen window."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]

    check_text = refuse_control_characters()


class Support(BaseModel):
    """ "Me too": a resident adds their support to an existing report, optionally subscribing to its updates."""

    model_config = ConfigDict(extra="forbid")

    email: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
        ]
        | None
    ) = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None

    check_text = refuse_control_characters()


class SupportResult(BaseModel):
    report_id: UUID
    support_count: int
    subscribed: bool


class ResponseTemplateFields(BaseModel):
    category: str | None = Field(default=None, description="A category code; none means any category")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    status: ReportStatus | None = Field(default=None, description="The status this template usually goes with")
    active: bool = True


class ResponseTemplateCreate(ResponseTemplateFields):
    model_config = ConfigDict(extra="forbid")

    check_text = refuse_control_characters()


class ResponseTemplateUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)] | None = None
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] | None = None
    status: ReportStatus | None = None
    active: bool | None = None

    check_text = refuse_control_characters()


class ResponseTemplatePublic(ResponseTemplateFields):
    id: UUID
    created_at: datetime
    updated_at: datetime


class WebhookFields(BaseModel):
    """A machine subscriber: told of new and changed reports in its categories and area."""

    url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://[^\s]+$")]
    description: Annotated[str, StringConstraints(max_length=300)] = ""
    categories: list[str] = Field(default_factory=list, description="Category codes; empty means all public ones")
    bbox: tuple[float, float, float, float] | None = Field(
        default=None, description="min_long, min_lat, max_long, max_lat; none means the whole borough"
    )


class WebhookCreate(WebhookFields):
    model_config = ConfigDict(extra="forbid")

    check_text = refuse_control_characters()


class WebhookPublic(WebhookFields):
    id: UUID
    active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="HMAC-SHA256 key of the X-Deal-Signature header; shown only now")


class TimeToFix(BaseModel):
    """Over reports now fixed: hours from report to fix. Median as usual (the mean of the two middle values for
    an even count); 90th percentile by nearest rank (the value at position ceil(0.9 n) in ascending order)."""

    fixed_count: int
    median_hours: float | None
    p90_hours: float | None
    with_target_count: int = Field(description="Fixed reports that had a target date")
    within_target_count: int
    within_target_share: float | None = Field(description="within_target_count / with_target_count")


class RepeatLocation(BaseModel):
    """A 100 m grid cell where one category was reported more than once."""

    category: str
    centre: Location
    report_count: int


class ReportStatistics(BaseModel):
    """Counts over reports made in the period. Safeguarding (restricted) reports count in borough-wide totals
    only: never by area, never in repeat locations."""

    created_from: datetime | None
    created_to: datetime | None
    total: int
    by_category: dict[str, int]
    by_status_group: dict[StatusGroup, int]
    by_month: dict[str, int] = Field(description="YYYY-MM of creation, UTC")
    by_channel: dict[str, int]
    by_area: dict[str, int] = Field(description="By footprint code; 'unplaced' before Footprints placed it")
    time_to_fix: TimeToFix
    repeat_locations: list[RepeatLocation]


class OutboxFailure(BaseModel):
    """A message the deliverer gave up on; its content (addresses, bodies) is not shown."""

    id: UUID
    kind: str
    report_id: UUID | None
    attempts: int
    last_error: str | None
    created_at: datetime


class OutboxSummary(BaseModel):
    counts: dict[str, dict[str, int]] = Field(description="kind -> state -> count")
    oldest_pending_at: datetime | None
    failures: list[OutboxFailure] = Field(description="The most recent failures, newest first")


class Cluster(BaseModel):
    """A hotspot: open reports of one category close in space and time."""

    category: str
    report_count: int
    centre: Location
    radius_m: float
    first_reported_at: datetime
    last_reported_at: datetime
    report_ids: list[UUID]


class CaseEventKind(StrEnum):
    allocated = "allocated"
    reallocated = "reallocated"
    unallocated = "unallocated"
    in_progress = "in_progress"
    completed = "completed"


class CaseEvent(BaseModel):
    """What happened to a report's case in Footprints; `event_id` makes a retry harmless, `sequence` a late one."""

    event_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    kind: CaseEventKind
    sequence: SenderVersion | None = Field(
        default=None,
        description="The case's version in Footprints after this change, raised on every change; Report IT applies "
        "only an event newer than the last it applied. Absent from older senders: such an event is applied.",
    )
    worker_display_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    # Report IT keeps a report's footprint in 32 characters (the borough's codes are far shorter).
    footprint_code: Annotated[str, StringConstraints(max_length=32)] | None = None
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None
    occurred_at: datetime

    clean_text = strip_control_characters("event_id", "worker_display_name", "footprint_code", "note")


class ReportItClient:
    """Typed access to Report IT for the other services."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def get_category(self, code: str) -> CategoryPublic:
        return parse(send(self.http, self.http.build_request("GET", f"/v1/categories/{code}")), CategoryPublic)

    def list_categories(self) -> list[CategoryPublic]:
        return parse(send(self.http, self.http.build_request("GET", "/v1/categories")), list[CategoryPublic])

    def get_report(self, report_id: UUID | str) -> ReportPrivate:
        return parse(send(self.http, self.http.build_request("GET", f"/v1/reports/{report_id}")), ReportPrivate)

    def list_reports(self, **filters: str | int | float) -> Page[ReportPublic]:
        request = self.http.build_request("GET", "/v1/reports", params=filters)
        return parse(send(self.http, request), Page[ReportPublic])

    def list_clusters(
        self, *, category: str | None = None, min_reports: int = 3, since: datetime | None = None
    ) -> list[Cluster]:
        params: dict[str, str | int] = {"min_reports": min_reports}
        if category:
            params["category"] = category
        if since:
            params["since"] = since.isoformat()
        request = self.http.build_request("GET", "/v1/reports/clusters", params=params)
        return parse(send(self.http, request), list[Cluster])

    def post_case_event(self, report_id: UUID | str, event: CaseEvent) -> DeliveryAnswer:
        request = self.http.build_request(
            "POST",
            f"/v1/reports/{report_id}/case-events",
            content=event.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )
        response = send(self.http, request)
        if not response.content:  # a release before versions answered 204 and applied what it was sent
            return DeliveryAnswer(outcome=Outcome.applied, detail="accepted")
        return parse(response, DeliveryAnswer)

    def create_report(self, report: ReportCreate, *, idempotency_key: str | None = None) -> ReportCreated:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        request = self.http.build_request(
            "POST",
            "/v1/reports",
            content=report.model_dump_json(),
            headers={**headers, "Content-Type": "application/json"},
        )
        return parse(send(self.http, request), ReportCreated)
