"""Staff profiles (admin-managed: contract hours, directorate, team, line manager, dates) and directorate policy."""

from __future__ import annotations

import secrets

from sqlmodel import Session, select

from deal_shared.db import utcnow
from deal_shared.volunteering import DirectoratePolicy, StaffProfileUpsert
from volunteering.errors import StaffProfileNotFound
from volunteering.models import DirectorateSetting, StaffProfile


def get_profile(session: Session, subject: str) -> StaffProfile:
    profile = session.get(StaffProfile, subject)
    if profile is None:
        raise StaffProfileNotFound(
            f"There is no volunteering profile for {subject!r}; ask an administrator to add one.", subject=subject
        )
    return profile


def upsert_profile(session: Session, *, subject: str, fields: StaffProfileUpsert) -> StaffProfile:
    profile = session.get(StaffProfile, subject)
    if profile is None:
        profile = StaffProfile(subject=subject, calendar_token=secrets.token_urlsafe(24), **fields.model_dump())
    else:
        for name, value in fields.model_dump().items():
            setattr(profile, name, value)
        profile.updated_at = utcnow()
    session.add(profile)
    session.flush()
    return profile


def list_profiles(session: Session, *, line_manager: str | None = None) -> list[StaffProfile]:
    query = select(StaffProfile).order_by(StaffProfile.subject)
    if line_manager is not None:
        query = query.where(StaffProfile.line_manager_subject == line_manager)
    return list(session.exec(query))


def profile_by_calendar_token(session: Session, token: str) -> StaffProfile | None:
    return session.exec(select(StaffProfile).where(StaffProfile.calendar_token == token)).first()


def auto_approves(session: Session, directorate: str) -> bool:
    setting = session.get(DirectorateSetting, directorate)
    return bool(setting and setting.auto_approve)


def set_directorate_policy(session: Session, *, directorate: str, policy: DirectoratePolicy) -> DirectorateSetting:
    setting = session.get(DirectorateSetting, directorate) or DirectorateSetting(directorate=directorate)
    setting.auto_approve = policy.auto_approve
    setting.updated_at = utcnow()
    session.add(setting)
    session.flush()
    return setting
