"""Locate, the GeoJSON views, and boundary imports that are validated and refused whole."""

from __future__ import annotations

import copy
import json

import pytest
from sqlmodel import Session, select

from footprints.models import Ward
from footprints.places.boundaries import BoundariesRefused, validate
from footprints.places.store import illustrative_files, replace_boundaries

from .conftest import LEIGH_EAST, OUTSIDE, WIGAN_CENTRAL


def test_locate_finds_ward_and_footprint(api) -> None:
    body = api.get("/v1/locate", params={"lat": WIGAN_CENTRAL[0], "long": WIGAN_CENTRAL[1]}).json()
    assert body["ward"] == {"code": "wigan_central", "name": "Wigan Central"}
    assert body["footprint"] == {"code": "wigan_central", "number": 6, "name": "Wigan Central"}
    leigh = api.get("/v1/locate", params={"lat": LEIGH_EAST[0], "long": LEIGH_EAST[1]}).json()
    assert (leigh["ward"]["code"], leigh["footprint"]["number"]) == ("leigh_east", 4)


def test_locate_outside_the_borough_is_a_clear_422(api) -> None:
    response = api.get("/v1/locate", params={"lat": OUTSIDE[0], "long": OUTSIDE[1]})
    assert response.status_code == 422
    assert response.json()["code"] == "outside_borough"
    assert api.get("/v1/locate", params={"lat": "north", "long": 1}).status_code == 422


def test_footprints_and_wards_are_geojson(api) -> None:
    footprints = api.get("/v1/footprints").json()
    assert [f["properties"]["number"] for f in footprints["features"]] == [1, 2, 3, 4, 5, 6, 7]
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in footprints["features"])
    wards = api.get("/v1/wards").json()["features"]
    assert len(wards) == 25
    leigh = api.get("/v1/wards", params={"footprint": "leigh"}).json()["features"]
    assert sorted(w["properties"]["code"] for w in leigh) == ["atherleigh", "leigh_east", "leigh_south", "leigh_west"]
    assert api.get("/v1/wards", params={"footprint": "nowhere"}).status_code == 404
    assert api.get("/v1/boundaries").json()["illustrative"] is True


def _refusal(document, table) -> list[str]:
    with pytest.raises(BoundariesRefused) as refused:
        validate(document, table, tolerance_m2=5000)
    return refused.value.reasons


def test_illustrative_set_is_valid_and_complete() -> None:
    document, table = illustrative_files()
    boundary_set = validate(document, table, tolerance_m2=5000)
    assert len(boundary_set.wards) == 25 and len(boundary_set.footprints) == 7
    assert boundary_set.illustrative


def test_overlap_gap_invalid_polygon_and_missing_footprint_are_refused() -> None:
    document, table = illustrative_files()
    overlapping = copy.deepcopy(document)
    # Grow one ward over its neighbours.
    ring = overlapping["features"][0]["geometry"]["coordinates"][0]
    overlapping["features"][0]["geometry"]["coordinates"][0] = [[x * 1.0 + 0.01, y] for x, y in ring]
    assert any("overlap" in r for r in _refusal(overlapping, table))

    holed = copy.deepcopy(document)
    holed["features"] = [f for f in holed["features"] if f["properties"]["code"] != "ince"]
    table_without = "\n".join(line for line in table.splitlines() if not line.startswith("ince,"))
    assert any("gap" in r for r in _refusal(holed, table_without))

    bowtie = copy.deepcopy(document)
    bowtie["features"][1]["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert any("invalid polygon" in r for r in _refusal(bowtie, table))

    orphan = "\n".join(line for line in table.splitlines() if not line.startswith("orrell,"))
    assert "ward orrell is in no footprint" in _refusal(document, orphan)


def test_import_with_other_property_names_and_refusal_keeps_old_data(engine) -> None:
    document, table = illustrative_files()
    renamed = copy.deepcopy(document)
    for feature in renamed["features"]:
        props = feature["properties"]
        feature["properties"] = {"WD22CD": props["code"], "WD22NM": props["name"]}
    boundary_set = validate(renamed, table, tolerance_m2=5000, code_property="WD22CD", name_property="WD22NM")
    with Session(engine) as session:
        replace_boundaries(session, boundary_set, source="test")
        session.commit()
    broken = json.loads(json.dumps(document))
    broken["features"].pop()
    with pytest.raises(BoundariesRefused):
        validate(broken, table, tolerance_m2=5000)
    with Session(engine) as session:
        assert len(session.exec(select(Ward)).all()) == 25


def test_cli_import_refuses_a_bad_file_with_reasons(database, tmp_path, monkeypatch, capsys) -> None:
    import argparse

    from footprints.cli import import_boundaries
    from footprints.config import Settings

    document, table = illustrative_files()
    document["features"][2]["geometry"] = {"type": "Point", "coordinates": [-2.6, 53.5]}
    (tmp_path / "wards.geojson").write_text(json.dumps(document))
    (tmp_path / "table.csv").write_text(table)
    args = argparse.Namespace(
        wards=str(tmp_path / "wards.geojson"),
        table=str(tmp_path / "table.csv"),
        tolerance=None,
        code_property="code",
        name_property="name",
    )
    assert import_boundaries(Settings(database_url=database), args) == 1
    assert "not a (Multi)Polygon" in capsys.readouterr().err
