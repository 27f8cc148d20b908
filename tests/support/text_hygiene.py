"""What the three services' input-hygiene tests share: the refusal they expect, and the strings they throw."""

from __future__ import annotations

import httpx


def assert_refused(response: httpx.Response, field: str, *, reason: str = "control character") -> None:
    """A 422 problem naming `field`, whose reason mentions `reason`."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "ValidationFailed"
    reasons = {e["field"]: e["reason"] for e in problem["errors"]}
    assert field in reasons, problem
    assert reason in reasons[field], problem


def awkward_strings(table: str) -> list[str]:
    """Text no write should answer with a 500: control characters, odd digits and marks, huge and wide text, and
    SQL aimed at `table`."""
    return [
        "\x00",
        "a\x00b",
        "\x1f\x7f",
        "²",
        "٣",
        "\u202e",
        "\ufeff",
        "\uffff",
        "x" * 70_000,
        "🦆" * 5000,
        f"'; DROP TABLE {table}; --",
        "%00",
        "\\u0000",
    ]
