"""The office: the council's back office in the browser, served under /office/ beside the field app."""

from __future__ import annotations

from report_it.office.router import router

__all__ = ["router"]
