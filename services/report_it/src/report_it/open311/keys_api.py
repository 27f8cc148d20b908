"""/v1/open311/api-keys: admins create, list and revoke the keys third-party clients submit with."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StringConstraints

from deal_shared.auth import AdminPrincipal
from deal_shared.text import refuse_control_characters
from deal_shared.web.auth_first import TokenFirstRoute
from report_it.db import SessionDep
from report_it.open311 import keys
from report_it.open311.models import ApiKey

router = APIRouter(prefix="/v1/open311/api-keys", tags=["open311"], route_class=TokenFirstRoute)


class ApiKeyCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)] = Field(
        description="Who uses it, e.g. 'council website' or 'FixMyStreet'"
    )

    check_text = refuse_control_characters("name")


class ApiKeyPublic(BaseModel):
    id: UUID
    name: str
    key_prefix: str = Field(description="The key's first characters, to tell keys apart")
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    submission_count: int = Field(default=0, description="Reports submitted with this key")


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="Secret: shown only now; give it to the client and do not store it elsewhere")


def _public(row: ApiKey, submission_count: int = 0) -> ApiKeyPublic:
    fields = ApiKeyPublic.model_validate(row, from_attributes=True).model_dump()
    return ApiKeyPublic(**{**fields, "submission_count": submission_count})


@router.post("", response_model=ApiKeyCreated, status_code=201, summary="Create an API key (admin)")
def create_key(data: ApiKeyCreate, session: SessionDep, admin: AdminPrincipal) -> ApiKeyCreated:
    """Administrators create an API key for a GeoReport client; the key itself is in the answer only this once (the
    service keeps only its hash).
    """
    row, key = keys.create_key(session, name=data.name, created_by=admin.subject)
    return ApiKeyCreated(**_public(row).model_dump(), key=key)


@router.get("", response_model=list[ApiKeyPublic], summary="List API keys, revoked ones included (admin)")
def list_keys(session: SessionDep, _admin: AdminPrincipal) -> list[ApiKeyPublic]:
    """Administrators: every API key, revoked ones included, with when it was made, by whom, and how many submissions it
    has made. Never the key itself.
    """
    counts = keys.submission_counts(session)
    return [_public(row, counts.get(row.id, 0)) for row in keys.list_keys(session)]


@router.delete("/{key_id}", status_code=204, summary="Revoke an API key at once (admin)")
def revoke_key(key_id: UUID, session: SessionDep, _admin: AdminPrincipal) -> Response:
    """Administrators revoke a key at once: its next request is refused."""
    keys.revoke_key(session, key_id=key_id)
    return Response(status_code=204)
