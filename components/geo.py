"""Where the boundary files are served from and the named map views (metropolitan France and overseas)."""

from __future__ import annotations

import json
from functools import cache

from settings import ROOT

GEOJSON_URLS = {
    "department": "/assets/geo/departements.geojson",
    "region": "/assets/geo/regions.geojson",
}
FEATURE_ID_KEY = "properties.code"
DEFAULT_VIEW = "metro"


@cache
def map_views() -> dict[str, dict]:
    """Views keyed by name: metropolitan France and each overseas department, with centre and zoom."""
    views = json.loads((ROOT / "geo" / "map_views.json").read_text(encoding="utf-8"))
    return {view["key"]: view for view in views}
