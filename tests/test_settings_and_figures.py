"""Settings refuse unsafe production starts; figure builders are pure and show every band."""

from __future__ import annotations

import pandas as pd
import pytest

import settings as settings_module
from components import figures, formatting
from settings import BANDS, SettingsError


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITUATION_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        settings_module.load()
    monkeypatch.setenv("SECRET_KEY", "a-long-private-random-value")
    assert settings_module.load().production is True


def test_database_url_defaults_to_instance_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    loaded = settings_module.load()
    assert loaded.database_url.startswith("sqlite:///")
    assert loaded.database_url.endswith("instance/situation.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert settings_module.load().database_url == "postgresql+psycopg://u@h/db"


def test_bad_integer_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "beaucoup")
    with pytest.raises(SettingsError, match="MAX_UPLOAD_BYTES"):
        settings_module.load()


@pytest.mark.parametrize(("value", "expected"), [(0.5, 0), (0.7, 1), (0.9, 2), (0.95, 3), (1.3, 3), (None, None)])
def test_band_index(value: float | None, expected: int | None) -> None:
    assert figures.band_index(value, BANDS["occupancy"]) == expected


def test_choropleth_uses_url_geojson_string_codes_and_band_legend() -> None:
    frame = pd.DataFrame(
        {"code": ["01", "2A", "971"], "name": ["Ain", "Corse-du-Sud", "Guadeloupe"], "occupancy": [0.5, 0.9, None]}
    )
    figure = figures.choropleth(
        frame,
        level="department",
        value_column="occupancy",
        bands=BANDS["occupancy"],
        title="Occupation",
        hover_template="%{customdata[0]}",
        custom_columns=["name"],
        selected="2A",
    )
    no_data, values, selection = figure.data
    assert values.geojson == "/assets/geo/departements.geojson"
    assert list(values.locations) == ["01", "2A"]
    assert list(no_data.locations) == ["971"]
    assert list(selection.locations) == ["2A"]
    assert list(values.colorbar.ticktext) == [band.label for band in BANDS["occupancy"]]
    assert figure.layout.map.style == "white-bg"
    assert figure.layout.uirevision == "department-metro"


def test_choropleth_overseas_view_moves_the_camera() -> None:
    frame = pd.DataFrame({"code": ["974"], "name": ["La Réunion"], "occupancy": [0.8]})
    figure = figures.choropleth(
        frame,
        level="department",
        value_column="occupancy",
        bands=BANDS["occupancy"],
        title="x",
        hover_template="",
        custom_columns=["name"],
        view="reunion",
    )
    assert figure.layout.map.center.lat < -20


def test_french_formatting() -> None:
    assert formatting.percent(0.8567) == "85,7\u00a0%"
    assert formatting.number(12345) == "12\u202f345"
    assert formatting.number(float("nan")) == "—"


def test_times_format_in_paris_time_and_tolerate_missing_values() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
    assert formatting.timestamp(moment) == "14/07/2026 12:00"  # summer time in Paris
    assert formatting.timestamp(None) == "—"
    assert formatting.timestamp(pd.NaT) == "—"
    assert formatting.age(pd.NaT) == "jamais"
    assert formatting.age(moment, now=datetime(2026, 7, 14, 13, 30, tzinfo=UTC)) == "il y a 3 h"
