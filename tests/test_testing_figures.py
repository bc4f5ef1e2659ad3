"""Pure builders of the test-positivity page: hover texts, bands in legends, incomplete days, log axis, Patch."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from components import testing_figures as tf
from data_access.queries import testing
from settings import BANDS

LAST = date(2020, 11, 1)
INCIDENCE = tf.MEASURES["incidence"]
POSITIVITY = tf.MEASURES["positivity"]


def indicator_rows(rows: list[dict]) -> pd.DataFrame:
    """Rows shaped like ``testing.indicators`` for one day, with hand-picked counts."""
    records = []
    for row in rows:
        population = row.get("population", 678_000.0)
        positives, tests = row["positives"], row["tests"]
        prior = row.get("prior")
        incidence = positives * 100_000 / population
        prior_incidence = None if prior is None else prior * 100_000 / population
        records.append(
            {
                "code": row["code"],
                "name": row.get("name", f"Département {row['code']}"),
                "age_class": "0",
                "day": pd.Timestamp(LAST),
                "window_start": pd.Timestamp(LAST - timedelta(days=6)),
                "positives_7d": positives,
                "tests_7d": tests,
                "days_in_window": row.get("days", 7),
                "population": population,
                "incidence": incidence,
                "positivity": positives * 100 / tests if tests else np.nan,
                "testing_rate": tests * 100_000 / population,
                "incidence_change_pct": None
                if prior_incidence is None
                else (incidence - prior_incidence) * 100 / prior_incidence,
                "incomplete": row.get("incomplete", False),
            }
        )
    frame = pd.DataFrame(records)
    return frame.astype({"code": "string", "name": "string", "positives_7d": "Int64", "tests_7d": "Int64"})


def test_value_texts_are_french() -> None:
    assert INCIDENCE.value_text(182.04) == "182 pour 100 000"
    assert INCIDENCE.value_text(12.345) == "12,3 pour 100 000"
    assert INCIDENCE.value_text(2561.7) == "2\u202f562 pour 100 000"
    assert POSITIVITY.value_text(7.26) == "7,3\u00a0%"
    assert POSITIVITY.value_text(float("nan")) == "—"
    assert tf.long_date(date(2020, 12, 1)) == "mardi 1er décembre 2020"
    assert tf.long_date(date(2026, 12, 3)) == "jeudi 3 décembre 2026"


def test_as_of_names_the_last_day_and_the_incomplete_days() -> None:
    text = tf.as_of_text(date(2020, 10, 20), incomplete_days=3)
    assert "20/10/2020" in text
    assert "les 3 derniers jours (du 18/10 au 20/10) sont incomplets" in text
    assert tf.as_of_text(None) == "Aucune donnée de dépistage importée."


def rendered_hover(measure: tf.Measure, row: pd.Series) -> list[str]:
    """The hover box as Plotly renders it, line by line."""
    custom = [str(row[column]) for column in tf.MAP_CUSTOM_COLUMNS]
    text = re.sub(
        r"%\{customdata\[(\d+)\]\}", lambda match: custom[int(match.group(1))], tf.map_hover_template(measure)
    )
    return text.removesuffix("<extra></extra>").replace("<b>", "").replace("</b>", "").split("<br>")


def test_map_hover_gives_numerator_denominator_threshold_and_window() -> None:
    frame = indicator_rows([{"code": "57", "name": "Moselle", "positives": 1234, "tests": 16_900, "prior": 1000}])
    assert rendered_hover(INCIDENCE, tf.map_hover_columns(frame, INCIDENCE).iloc[0]) == [
        "Moselle (57)",
        "Incidence : 182 pour 100 000",
        "1\u202f234 cas positifs sur 7 jours / 678\u202f000 habitants",
        "Seuil : 150–250 (seuils 10 / 50 / 150 / 250)",
        "Fenêtre du 26/10 au 01/11/2020",
        "Évolution des cas sur 7 jours : +23\u00a0%",
    ]
    assert rendered_hover(POSITIVITY, tf.map_hover_columns(frame, POSITIVITY).iloc[0])[1:4] == [
        "Taux de positivité : 7,3\u00a0%",
        "1\u202f234 cas positifs / 16\u202f900 tests sur 7 jours",
        "Seuil : 5–10 % (seuils 5 / 10 %)",
    ]
    testing_rate = tf.MEASURES["testing_rate"]
    assert rendered_hover(testing_rate, tf.map_hover_columns(frame, testing_rate).iloc[0])[1:4] == [
        "Taux de dépistage : 2\u202f493 pour 100 000",
        "16\u202f900 tests sur 7 jours / 678\u202f000 habitants",
        "Seuil : 2 000–3 000 (seuils 1\u202f000 / 2\u202f000 / 3\u202f000 / 5\u202f000)",
    ]

    partial = indicator_rows([{"code": "57", "positives": 10, "tests": 100, "days": 3, "incomplete": True}])
    window = tf.map_hover_columns(partial, INCIDENCE).iloc[0]["window_text"]
    assert "(partielle : 3 j sur 7)" in window
    assert "jours incomplets, valeur provisoire" in window


def test_map_lists_bands_and_shows_territories_without_data_in_grey() -> None:
    frame = indicator_rows(
        [
            {"code": "57", "name": "Moselle", "positives": 1234, "tests": 16_900},
            {"code": "67", "name": "Bas-Rhin", "positives": 30, "tests": 900},
        ]
    )
    names = {"57": "Moselle", "67": "Bas-Rhin", "971": "Guadeloupe"}
    frame = tf.map_hover_columns(tf.with_all_territories(frame, names), INCIDENCE)
    figure, layout = tf.positivity_map(frame, level="department", measure=INCIDENCE)
    no_data, coloured = figure.data
    assert list(no_data.locations) == ["971"]
    assert list(coloured.locations) == ["57", "67"]
    assert coloured.geojson == "/assets/geo/departements.geojson"  # a URL, never the boundaries themselves
    assert list(coloured.colorbar.ticktext) == [band.label for band in BANDS["incidence"]]
    assert list(coloured.z) == [3.5, 0.5]  # 182 → band 150–250; 4.4 → band < 10
    assert layout == {"signature": "57,67|971", "shown_index": 1}
    assert coloured.hovertemplate == tf.map_hover_template(INCIDENCE)
    assert list(coloured.customdata[0][:3]) == ["Moselle", "57", "182 pour 100 000"]
    assert no_data.customdata[0][0] == "Guadeloupe"
    assert figure.layout.uirevision == "department-metro"


def test_map_patch_sends_only_new_colours_and_texts_of_another_day() -> None:
    names = {"57": "Moselle", "67": "Bas-Rhin", "971": "Guadeloupe"}
    day_one = indicator_rows(
        [
            {"code": "57", "name": "Moselle", "positives": 1234, "tests": 16_900},
            {"code": "67", "name": "Bas-Rhin", "positives": 30, "tests": 900},
        ]
    )
    _figure, layout = tf.positivity_map(
        tf.map_hover_columns(tf.with_all_territories(day_one, names), INCIDENCE), level="department", measure=INCIDENCE
    )
    day_two = indicator_rows(
        [
            {"code": "57", "name": "Moselle", "positives": 2000, "tests": 20_000},
            {"code": "67", "name": "Bas-Rhin", "positives": 300, "tests": 5000},
        ]
    )
    frame = tf.map_hover_columns(tf.with_all_territories(day_two, names), INCIDENCE)
    patch = tf.map_patch(frame, INCIDENCE, layout)
    assert patch is not None
    operations = {tuple(op["location"]): op["params"]["value"] for op in patch.to_plotly_json()["operations"]}
    assert set(operations) == {("data", 1, "z"), ("data", 1, "customdata")}
    assert operations[("data", 1, "z")] == [4.5, 1.5]  # 295 → ≥ 250; 44 → 10–50
    assert operations[("data", 1, "customdata")][0][:3] == ["Moselle", "57", "295 pour 100 000"]
    assert len(operations[("data", 1, "customdata")][0]) == len(tf.MAP_CUSTOM_COLUMNS)

    # A territory that loses its value moves to the grey trace: the map must be rebuilt, not patched.
    gone = indicator_rows([{"code": "57", "positives": 2000, "tests": 20_000}])
    frame = tf.map_hover_columns(tf.with_all_territories(gone, names), INCIDENCE)
    assert tf.map_patch(frame, INCIDENCE, layout) is None
    assert tf.map_patch(frame, INCIDENCE, None) is None


def timeline_rows(territory: str, days: int, *, incomplete_last: int = 3, scale: float = 1.0) -> pd.DataFrame:
    dates = [pd.Timestamp(LAST - timedelta(days=days - 1 - index)) for index in range(days)]
    positives = [int((10 + index) * scale) for index in range(days)]
    tests = [1000] * days
    return pd.DataFrame(
        {
            "territory": territory,
            "day": dates,
            "positives": pd.array(positives, dtype="Int64"),
            "tests": pd.array(tests, dtype="Int64"),
            "population": 100_000.0,
            "incidence": [float(p) for p in positives],
            "positivity": [p * 100 / t for p, t in zip(positives, tests, strict=True)],
            "testing_rate": 1000.0,
            "days_in_window": 7,
            "incomplete": [index >= days - incomplete_last for index in range(days)],
        }
    )


def test_timeline_dots_the_incomplete_days_over_a_grey_band() -> None:
    frame = pd.concat([timeline_rows("France", 20), timeline_rows("57 — Moselle", 20, scale=3)], ignore_index=True)
    figure = tf.comparison_timeline(frame, measure=INCIDENCE)
    france_solid, france_dotted = figure.data[0], figure.data[1]
    assert france_solid.name == "France" and france_solid.line.dash is None
    assert len(france_solid.x) == 17
    assert france_dotted.line.dash == "dot" and france_dotted.showlegend is False
    # The dotted part starts at the last complete day, so the line is continuous.
    assert list(france_dotted.x) == list(france_solid.x[-1:]) + list(pd.to_datetime(frame["day"]).iloc[17:20])
    moselle = next(trace for trace in figure.data if trace.name == "57 — Moselle")
    assert moselle.line.color != france_solid.line.color
    grey = [shape for shape in figure.layout.shapes if shape.fillcolor == tf.INCOMPLETE_FILL]
    assert len(grey) == 1
    assert pd.Timestamp(grey[0].x0) == pd.Timestamp(LAST - timedelta(days=2)) - pd.Timedelta(hours=12)
    assert "Jours incomplets (provisoires)" in [trace.name for trace in figure.data]


def band_names(measure: tf.Measure) -> set[str]:
    labels = [band.label for band in measure.bands]
    return {f"Seuils : {labels[0]}", *labels[1:]}


def test_timeline_bands_are_in_the_legend_when_they_apply() -> None:
    frame = timeline_rows("France", 20)
    names = {trace.name for trace in tf.comparison_timeline(frame, measure=INCIDENCE, mode="7d").data}
    assert band_names(INCIDENCE) <= names
    # Incidence thresholds are 7-day values: not drawn against daily incidence.
    names = {trace.name for trace in tf.comparison_timeline(frame, measure=INCIDENCE, mode="daily").data}
    assert not band_names(INCIDENCE) & names
    # A positivity is a ratio whatever the window: its bands stay.
    names = {trace.name for trace in tf.comparison_timeline(frame, measure=POSITIVITY, mode="daily").data}
    assert band_names(POSITIVITY) <= names


def test_timeline_log_scale_and_per_100k_counts() -> None:
    frame = timeline_rows("France", 10, incomplete_last=0)
    frame.loc[0, ["positives", "incidence"]] = [0, 0.0]
    figure = tf.comparison_timeline(frame, measure=INCIDENCE, log=True)
    assert figure.layout.yaxis.type == "log"
    assert np.isnan(figure.data[0].y[0])  # zero has no logarithm: left out rather than plotted at 0
    assert all(shape.y0 > 0 for shape in figure.layout.shapes)  # band strips start above zero on a log axis
    assert tf.comparison_timeline(frame, measure=INCIDENCE).layout.yaxis.type == "linear"

    positives = tf.MEASURES["positives"]
    frame["population"] = 50_000.0
    raw = tf.comparison_timeline(frame, measure=positives, per_100k=False)
    scaled = tf.comparison_timeline(frame, measure=positives, per_100k=True)
    assert list(raw.data[0].y[1:3]) == [11, 12]
    assert list(scaled.data[0].y[1:3]) == [22.0, 24.0]
    assert scaled.layout.yaxis.title.text == "pour 100 000 hab., sur 7 jours"
    assert raw.layout.yaxis.title.text == "nombre, sur 7 jours"
    # A rate is never divided again, whatever the switch says.
    assert list(tf.timeline_values(frame, INCIDENCE, per_100k=True)) == list(frame["incidence"])


def test_timeline_leaves_out_the_partial_windows_at_the_start_of_the_data() -> None:
    frame = timeline_rows("France", 12, incomplete_last=0)
    frame["days_in_window"] = [1, 2, 3, 4, 5, 6, 7, 7, 6, 7, 7, 7]  # a missing day later on stays shown
    weekly = tf.comparison_timeline(frame, measure=INCIDENCE, mode="7d")
    assert list(weekly.data[0].y) == list(frame["incidence"].iloc[6:])
    daily = tf.comparison_timeline(frame.assign(days_in_window=1), measure=INCIDENCE, mode="daily")
    assert len(daily.data[0].y) == 12


def age_rows(days: int, *, population: float | None = 10_000.0) -> pd.DataFrame:
    rows = []
    for age_class, label in testing.AGE_CLASSES.items():
        for index in range(days):
            day = LAST - timedelta(days=days - 1 - index)
            positives = 5 * (index + 1) if age_class != "90" else 40
            rows.append(
                {
                    "code": "FR",
                    "name": "France",
                    "age_class": age_class,
                    "age_label": label,
                    "day": pd.Timestamp(day),
                    "positives": positives,
                    "tests": 1000,
                    "population": population,
                    "incidence": np.nan if population is None else positives * 100_000 / population,
                    "positivity": positives / 10,
                    "testing_rate": np.nan if population is None else 1000 * 100_000 / population,
                    "days_in_window": min(index + 1, 7),
                    "incomplete": index >= days - 3,
                }
            )
    return pd.DataFrame(rows)


def test_age_heatmap_shows_weeks_back_from_the_last_day_with_bands_and_incomplete_week() -> None:
    figure = tf.age_heatmap(age_rows(30), measure=INCIDENCE, last_day=LAST)
    heatmap = figure.data[0]
    days = [pd.Timestamp(x).date() for x in heatmap.x]
    # 30 days: weeks end on days 30, 23, 16 and 9; the window ending on day 2 holds 2 days only, left out.
    assert days == [LAST - timedelta(days=7 * k) for k in (3, 2, 1, 0)]
    assert list(heatmap.y) == [label for code, label in testing.AGE_CLASSES.items() if code != "0"]
    assert list(heatmap.colorbar.ticktext) == [band.label for band in BANDS["incidence"]]
    # 90+ : 40 positives / 10 000 inhabitants = 400 per 100 000, the top band, every week.
    assert heatmap.z[-1] == [4.5] * 4
    assert heatmap.customdata[-1][-1][0] == "400 pour 100 000"
    assert heatmap.customdata[-1][-1][2] == "Semaine du 26/10 au 01/11/2020 — incomplète"
    [outline] = figure.layout.shapes
    assert outline.line.dash == "dot"
    assert pd.Timestamp(outline.x0) == pd.Timestamp(LAST) - pd.Timedelta(days=3.5)


def test_age_heatmap_without_age_populations_says_so() -> None:
    figure = tf.age_heatmap(age_rows(14, population=None), measure=INCIDENCE, last_day=LAST)
    assert figure.data == ()
    assert "Pas de valeur par classe d'âge" in figure.layout.annotations[0].text
    # Positivity needs no population.
    assert len(tf.age_heatmap(age_rows(14, population=None), measure=POSITIVITY, last_day=LAST).data) == 1


def test_table_rows_carry_change_and_incomplete_flag() -> None:
    frame = indicator_rows(
        [
            {"code": "57", "name": "Moselle", "positives": 1234, "tests": 16_900, "prior": 1000, "incomplete": True},
            {"code": "2A", "name": "Corse-du-Sud", "positives": 0, "tests": 0},
        ]
    )
    moselle, corse = tf.table_rows(frame)
    assert moselle == {
        "code": "57",
        "name": "Moselle",
        "incidence": 182.0,
        "positivity": 7.3,
        "testing_rate": 2493,
        "positives_7d": 1234,
        "tests_7d": 16_900,
        "population": 678_000,
        "change_pct": 23.4,
        "days_in_window": 7,
        "incomplete": "Oui",
    }
    assert corse["code"] == "2A" and corse["positivity"] is None and corse["change_pct"] is None
    assert corse["incomplete"] == "Non"
    assert tf.table_rows(frame.iloc[0:0]) == []


@pytest.mark.parametrize(("days", "largest_gap"), [(30, 14), (120, 14), (700, 84)])
def test_slider_marks_end_on_the_last_day_and_stay_readable(days: int, largest_gap: int) -> None:
    first = LAST - timedelta(days=days - 1)
    marks = tf.slider_marks(first, LAST)
    ordinals = list(marks)
    assert ordinals[-1] == LAST.toordinal()
    assert all(first.toordinal() <= ordinal <= LAST.toordinal() for ordinal in ordinals)
    assert len(marks) <= 9
    assert {b - a for a, b in itertools.pairwise(ordinals)} == {largest_gap}
    assert marks[LAST.toordinal()] == ("01/11/20" if days == 700 else "01/11")


def test_territory_names_for_every_level(session: Session) -> None:
    assert testing.territory_names(session, "country") == {"FR": "France"}
    departments = testing.territory_names(session, "department")
    assert len(departments) == 101 and departments["2A"] == "Corse-du-Sud" and next(iter(departments)) == "01"
    regions = testing.territory_names(session, "region")
    assert regions["44"] == "Grand Est" and len(regions) == 18


def test_xlsx_export_has_the_table_headers_and_rows() -> None:
    import base64
    import io

    from pages.testing import callbacks

    rows = [
        {"code": "57", "name": "Moselle", "incidence": 182.0, "positives_7d": 1234, "change_pct": -12.5},
        {"code": "2A", "name": "Corse-du-Sud", "incidence": None, "change_pct": None, "incomplete": "Oui"},
    ]
    download = callbacks.export_xlsx(1, rows)
    assert download["filename"].startswith("depistage-territoires-") and download["filename"].endswith(".xlsx")
    sheet = pd.read_excel(io.BytesIO(base64.b64decode(download["content"])), dtype={"Code": str})
    assert list(sheet.columns)[:3] == ["Code", "Territoire", "Incidence pour 100\u00a0000"]
    assert "Évolution des cas sur 7\u00a0j (%)" in sheet.columns
    assert list(sheet["Code"]) == ["57", "2A"]  # codes stay strings: "2A", and "01" would keep its zero
    assert sheet.loc[0, "Évolution des cas sur 7\u00a0j (%)"] == -12.5


def test_a_map_click_adds_the_territory_to_the_comparison_once() -> None:
    from pages.testing import callbacks

    click = {"points": [{"location": "57"}]}
    selection, compared, age = callbacks.select_territory(click, "department", ["country:FR"])
    assert selection == {"level": "department", "code": "57"}
    assert compared == ["country:FR", "department:57"] and age == "department:57"
    # Clicked again: not duplicated, moved to the end (the most recent choice).
    _selection, compared, _age = callbacks.select_territory(
        click, "department", ["country:FR", "department:57", "region:44"]
    )
    assert compared == ["country:FR", "region:44", "department:57"]
    many = ["country:FR"] + [f"department:{code}" for code in ("01", "02", "03", "04", "05", "06", "07")]
    _selection, compared, _age = callbacks.select_territory(click, "department", many)
    assert len(compared) == callbacks.MAX_COMPARED and compared[0] == "country:FR" and compared[-1] == "department:57"
    assert "department:01" not in compared
