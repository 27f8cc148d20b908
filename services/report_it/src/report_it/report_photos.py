"""Attach cleaned photos to a report and read them back, within the per-report limit."""

from __future__ import annotations

import uuid

from sqlmodel import Session, func, select

from report_it.errors import TooManyPhotos
from report_it.models import Photo, Report
from report_it.photos import OUTPUT_CONTENT_TYPE, CleanPhoto
from report_it.storage import PhotoStorage


def attach_photos(
    session: Session, *, report: Report, photos: list[CleanPhoto], storage: PhotoStorage, limit: int
) -> list[Photo]:
    existing = list(session.exec(select(Photo).where(Photo.report_id == report.id)).all())
    known = {p.sha256: p for p in existing}
    fresh = [p for p in photos if p.source_sha256 not in known]
    # The same photo sent twice (a retry) is attached once.
    fresh = list({p.source_sha256: p for p in fresh}.values())
    if len(existing) + len(fresh) > limit:
        raise TooManyPhotos(
            f"A report can have at most {limit} photos; this one has {len(existing)} and {len(fresh)} more were sent.",
            limit=limit,
        )
    attached = []
    position = session.exec(select(func.count()).select_from(Photo).where(Photo.report_id == report.id)).one()
    for clean in fresh:
        photo_id = uuid.uuid4()
        key = f"{report.id}/{photo_id}.jpg"
        thumb_key = f"{report.id}/{photo_id}.thumb.jpg"
        storage.put(key, clean.image, content_type=OUTPUT_CONTENT_TYPE)
        storage.put(thumb_key, clean.thumbnail, content_type=OUTPUT_CONTENT_TYPE)
        position += 1
        photo = Photo(
            id=photo_id,
            report_id=report.id,
            position=position,
            storage_key=key,
            thumbnail_key=thumb_key,
            width=clean.width,
            height=clean.height,
            sha256=clean.source_sha256,
        )
        session.add(photo)
        attached.append(photo)
    session.flush()
    return existing + attached
