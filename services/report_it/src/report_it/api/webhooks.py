"""/v1/webhooks: managers register machine subscribers (a ward feed, a contractor's system)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from sqlmodel import col, select

from deal_shared.auth import Principal, Role, require_roles
from deal_shared.report_it import WebhookCreate, WebhookCreated, WebhookPublic
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import webhooks
from report_it.api.deps import SettingsDep
from report_it.categories import get_category
from report_it.db import SessionDep
from report_it.errors import WebhookNotFound
from report_it.models import Webhook
from report_it.webhook_targets import check_target

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=TokenFirstRoute)
ManagerDep = Annotated[Principal, Depends(require_roles(Role.manager, Role.admin))]


def _public(hook: Webhook) -> WebhookPublic:
    return WebhookPublic(
        id=hook.id,
        url=hook.url,
        description=hook.description,
        categories=hook.categories,
        bbox=tuple(hook.bbox) if hook.bbox else None,
        active=hook.active,
        created_at=hook.created_at,
    )


@router.post("", response_model=WebhookCreated, status_code=201, summary="Manager: register a webhook")
def create_webhook(
    data: WebhookCreate, principal: ManagerDep, session: SessionDep, settings: SettingsDep
) -> WebhookCreated:
    """Managers register an HTTPS address to be told of new and changed reports, narrowed by categories and a bounding
    box. The answer holds the secret each delivery is signed with, shown only this once. Addresses inside private
    networks are refused unless `REPORT_IT_WEBHOOK_ALLOW_PRIVATE_TARGETS` is set.
    """
    check_target(str(data.url), allow_private=settings.webhook_allow_private_targets)
    for code in data.categories:
        get_category(session, code)
    hook = Webhook(
        url=data.url,
        secret=webhooks.new_secret(),
        description=data.description,
        categories=data.categories,
        bbox=list(data.bbox) if data.bbox else None,
        created_by=principal.subject,
    )
    session.add(hook)
    # Committed before answering, so the next report through this process is already sent to the new webhook.
    session.commit()
    webhooks.forget_active_webhooks(session)
    return WebhookCreated(**_public(hook).model_dump(), secret=hook.secret)


@router.get("", response_model=list[WebhookPublic], summary="Manager: the registered webhooks")
def list_webhooks(_manager: ManagerDep, session: SessionDep) -> list[WebhookPublic]:
    """Managers: every registered webhook (without its secret), oldest first."""
    return [_public(h) for h in session.exec(select(Webhook).order_by(col(Webhook.created_at))).all()]


@router.delete("/{webhook_id}", status_code=204, response_class=Response, summary="Manager: switch a webhook off")
def delete_webhook(webhook_id: UUID, _manager: ManagerDep, session: SessionDep) -> Response:
    """Managers switch a webhook off: nothing more is sent to it. 404 `WebhookNotFound` for an unknown or already
    switched-off one.
    """
    hook = session.get(Webhook, webhook_id)
    if hook is None or not hook.active:
        raise WebhookNotFound(f"There is no webhook {webhook_id}.", webhook_id=str(webhook_id))
    hook.active = False
    session.add(hook)
    session.commit()
    webhooks.forget_active_webhooks(session)
    return Response(status_code=204)
