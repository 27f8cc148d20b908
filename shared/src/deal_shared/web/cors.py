"""CORS for the field app, which calls the services' APIs straight from the phone with the staff's bearer token."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware


def allow_browser_origins(app: FastAPI, origins: list[str]) -> None:
    """Call last when building the app: it then wraps everything, so problem details (a 409 the app reads) carry the
    CORS headers too. No origins: no CORS at all."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match"],
        expose_headers=["Content-Disposition", "ETag"],
        max_age=600,
    )
