"""Checks on the committed geography build: boundaries, territories.csv and map views."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

ROOT = Path(__file__).resolve().parents[1]
GEOJSON = {
    "department": ROOT / "assets" / "geo" / "departements.geojson",
    "region": ROOT / "assets" / "geo" / "regions.geojson",
}
TERRITORIES_CSV = ROOT / "geo" / "territories.csv"
MAP_VIEWS_JSON = ROOT / "geo" / "map_views.json"
EXPECTED_COUNT = {"department": 101, "region": 18}
MAX_BYTES = 800 * 1024


def load_features(level: str) -> list[dict[str, Any]]:
    return json.loads(GEOJSON[level].read_text(encoding="utf-8"))["features"]


def load_territories() -> list[dict[str, str]]:
    with TERRITORIES_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def territory_codes(level: str) -> list[str]:
    return [row["code"] for row in load_territories() if row["level"] == level]


@pytest.mark.parametrize("level", ["department", "region"])
def test_feature_ids_are_unique_string_codes(level: str) -> None:
    features = load_features(level)
    assert len(features) == EXPECTED_COUNT[level]
    for feature in features:
        assert type(feature["id"]) is str, feature["id"]
        assert type(feature["properties"]["code"]) is str, feature["properties"]["code"]
        assert feature["id"] == feature["properties"]["code"]
        assert feature["properties"]["name"]
    codes = [feature["id"] for feature in features]
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("level", ["department", "region"])
def test_geojson_codes_match_territories(level: str) -> None:
    csv_codes = territory_codes(level)
    assert len(csv_codes) == EXPECTED_COUNT[level]
    assert len(set(csv_codes)) == len(csv_codes)
    assert sorted(feature["id"] for feature in load_features(level)) == sorted(csv_codes)


def test_expected_codes_present() -> None:
    departments = {feature["id"] for feature in load_features("department")}
    regions = {feature["id"] for feature in load_features("region")}
    assert {"01", "2A", "2B", "75", "971", "972", "973", "974", "976"} <= departments
    assert not {"20", "975", "977", "978"} & departments
    assert {"01", "02", "03", "04", "06", "11", "84", "94"} <= regions


def test_department_regions_exist() -> None:
    regions = {feature["id"] for feature in load_features("region")}
    csv_regions = {
        row["code"]: row["region_code"]
        for row in load_territories()
        if row["level"] == "department"
    }
    for feature in load_features("department"):
        region_code = feature["properties"]["region_code"]
        assert type(region_code) is str
        assert region_code in regions, (feature["id"], region_code)
        assert csv_regions[feature["id"]] == region_code
    for row in load_territories():
        if row["level"] == "region":
            assert row["region_code"] == row["code"]


@pytest.mark.parametrize("level", ["department", "region"])
def test_geometries_valid_and_files_small(level: str) -> None:
    assert GEOJSON[level].stat().st_size < MAX_BYTES
    frame = gpd.read_file(GEOJSON[level])
    assert len(frame) == EXPECTED_COUNT[level]
    assert frame.geometry.notna().all()
    assert not frame.geometry.is_empty.any()
    assert frame.geometry.is_valid.all(), frame.loc[~frame.geometry.is_valid, "code"].tolist()
    assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}


def test_populations() -> None:
    rows = load_territories()
    assert set(rows[0]) == {
        "level",
        "code",
        "name",
        "region_code",
        "population",
        "centroid_lat",
        "centroid_lon",
    }
    for row in rows:
        assert row["level"] in {"region", "department"}
        assert re.fullmatch(r"[1-9][0-9]*", row["population"]), (row["code"], row["population"])
        assert -90 <= float(row["centroid_lat"]) <= 90
        assert -180 <= float(row["centroid_lon"]) <= 180
    departments = [row for row in rows if row["level"] == "department"]
    total = sum(int(row["population"]) for row in departments)
    assert 64_000_000 <= total <= 70_000_000
    for region in (row for row in rows if row["level"] == "region"):
        members = [
            int(row["population"]) for row in departments if row["region_code"] == region["code"]
        ]
        assert members and sum(members) == int(region["population"]), region["code"]


def test_map_views() -> None:
    views = json.loads(MAP_VIEWS_JSON.read_text(encoding="utf-8"))
    assert views[0]["key"] == "metro"
    assert [view.get("code") for view in views[1:]] == ["971", "972", "973", "974", "976"]
    assert len({view["key"] for view in views}) == len(views)
    for view in views:
        assert view["label"]
        assert -90 <= view["center"]["lat"] <= 90
        assert -180 <= view["center"]["lon"] <= 180
        assert 2 <= view["zoom"] <= 12
