"""The small HTML pages a resident sees on following a confirmation link from their e-mail."""

from __future__ import annotations

from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse

from deal_shared.errors import ServiceError

# No scripts, styles or images: the page only needs its one form, posting back to itself.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the address carries the link's secret
    "Cache-Control": "no-store",
}


def wants_html(request: Request) -> bool:
    """A browser following the link from an e-mail, rather than an API client."""
    return "text/html" in request.headers.get("accept", "").lower()


def _page(title: str, *paragraphs: str, form_action: str | None = None, status_code: int = 200) -> HTMLResponse:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if form_action is not None:
        body += f'<form method="post" action="{escape(form_action)}"><button type="submit">Confirm</button></form>'
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - Report IT</title></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}<p>Wigan Council, Report IT</p></main></body></html>"
    )
    return HTMLResponse(html, status_code=status_code, headers=_HEADERS)


def ask(*, reference: str, category: str, path: str) -> HTMLResponse:
    return _page(
        "Confirm your e-mail updates",
        f"Press Confirm to get e-mails when report {reference} ({category}) is updated.",
        "If you did not ask for them, close this page: nothing will be sent.",
        form_action=path,
    )


def confirmed(*, reference: str) -> HTMLResponse:
    return _page(
        "Updates confirmed",
        f"Thank you. You will get an e-mail when report {reference} is updated.",
        "Each e-mail has a link to stop them.",
    )


def problem(error: ServiceError) -> HTMLResponse:
    return _page(error.title, error.detail, f"(code {error.code})", status_code=error.status_code)
