"""`/healthz` (the process is alive) and `/readyz` (its database answers and its schema is at head)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

# Returns None when ready, else the reason it is not.
ReadinessCheck = Callable[[], str | None]


class Readiness(BaseModel):
    status: str
    reasons: list[str] | None = None


_NOT_READY = {503: {"model": Readiness, "description": "Not ready: `reasons` says what is missing"}}


def health_router(readiness_checks: Callable[[], list[ReadinessCheck]]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="Liveness: the process is up")
    def healthz() -> dict[str, str]:
        """Answers 200 while the process can serve requests; it touches neither the database nor any peer, so a slow
        database never gets a live pod restarted.
        """
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: the database is reachable and migrations are at head",
        response_model=Readiness,
        responses=_NOT_READY,
    )
    def readyz() -> JSONResponse:
        """Answers 200 when every readiness check passes (the database answers and its schema is at the migrations'
        head), and 503 with the reasons otherwise, so a pod takes traffic only once it can serve it.
        """
        failures = [reason for check in readiness_checks() if (reason := check()) is not None]
        if failures:
            return JSONResponse({"status": "unavailable", "reasons": failures}, status_code=503)
        return JSONResponse({"status": "ready"})

    return router
