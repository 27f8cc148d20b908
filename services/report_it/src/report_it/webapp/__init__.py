"""The field app: serves the installable offline-first web app under /app/ and its runtime configuration."""

from __future__ import annotations

from report_it.webapp.router import router
from report_it.webapp.settings import WebAppSettings

__all__ = ["WebAppSettings", "router"]
