"""Defra's code lists, read from a replaceable data file, and the defaults a report's answers suggest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from deal_shared.errors import FieldError
from deal_shared.flytipping import FIELDS, FlyTippingCode, FlyTippingCodes, FlyTippingFields
from report_it.flytipping.errors import InvalidFlyTippingFields

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "flytipping_codes.json"
CATEGORY = "fly_tipping"

# Each field's list in the data file.
_LISTS = {
    "land_type": "land_types",
    "waste_type": "waste_types",
    "size": "sizes",
    "cost_band": "cost_bands",
    "enforcement_action": "enforcement_actions",
}


@dataclass(frozen=True)
class CodeLists:
    public: FlyTippingCodes
    defaults: dict[str, Any]

    def allowed(self, field: str) -> list[str]:
        return [c.code for c in getattr(self.public, _LISTS[field])]

    def names(self, field: str) -> dict[str, str]:
        return {c.code: c.name for c in getattr(self.public, _LISTS[field])}

    def missing(self, values: dict[str, str | None]) -> list[str]:
        """The required fields with no value, or a value no longer in its list (after the lists were replaced)."""
        return [f for f in FIELDS if values.get(f) not in self.allowed(f)]

    def check(self, fields: FlyTippingFields) -> dict[str, str]:
        values = fields.model_dump()
        errors = []
        for field in FIELDS:
            value, allowed = values[field], self.allowed(field)
            if value is None:
                errors.append(FieldError(field=f"body.{field}", reason=f"required; one of: {', '.join(allowed)}"))
            elif value not in allowed:
                errors.append(
                    FieldError(field=f"body.{field}", reason=f"{value!r} is not one of: {', '.join(allowed)}")
                )
        if errors:
            named = ", ".join(e.field.removeprefix("body.") for e in errors)
            raise InvalidFlyTippingFields(
                f"The Defra fields need a code from their lists: {named}.",
                errors=errors,
                allowed={f: self.allowed(f) for f in FIELDS},
            )
        return values

    def suggest(self, answers: dict[str, Any]) -> dict[str, str | None]:
        """What the reporter's answers suggest for each field (None where they say nothing)."""
        rules = self.defaults
        size = rules.get("size", {}).get(answers.get("size"))
        given = answers.get("waste_type")
        given = given if isinstance(given, list) else [given]
        waste_key = next((k for k in rules.get("waste_type_precedence", []) if k in given), None)
        land = rules.get("on_private_land", {}).get(answers.get("on_private_land"))
        suggested = {
            "land_type": land,
            "waste_type": rules.get("waste_type", {}).get(waste_key),
            "size": size,
            "cost_band": self.public.size_cost_bands.get(size) if size else None,
            "enforcement_action": rules.get("enforcement_action"),
        }
        # A suggestion outside the lists in force (a replaced file) is no suggestion.
        return {f: v if v in self.allowed(f) else None for f, v in suggested.items()}


@cache
def load_codes(path: str | None = None) -> CodeLists:
    raw = json.loads(Path(path or DEFAULT_PATH).read_text(encoding="utf-8"))

    def codes(name: str) -> list[FlyTippingCode]:
        return [FlyTippingCode(code=c["code"], name=c["name"]) for c in raw[name]]

    public = FlyTippingCodes(
        source=raw["source"],
        land_types=codes("land_types"),
        waste_types=codes("waste_types"),
        sizes=codes("sizes"),
        cost_bands=codes("cost_bands"),
        enforcement_actions=codes("enforcement_actions"),
        size_cost_bands={s["code"]: s["cost_band"] for s in raw["sizes"] if s.get("cost_band")},
    )
    return CodeLists(public=public, defaults=raw.get("defaults", {}))
