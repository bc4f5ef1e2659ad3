"""Pure builders of the contact-tracing pages: rate texts, map, timeline with positivity, rows, form preview."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from components import tracing_figures as tf
from data_access.queries.tracing import TRACING_TARGETS
from settings import BANDS

NBSP = "\u00a0"
NOW = datetime(2020, 11, 10, 12, 0, tzinfo=UTC)


def coverage_frame() -> pd.DataFrame:
    """Three departments as coverage() returns them: one on target, one below, one without any report."""
    return pd.DataFrame(
        {
            "code": ["54", "57", "88"],
            "name": ["Meurthe-et-Moselle", "Moselle", "Vosges"],
            "days_in_period": [7, 7, 7],
            "departments": [1, 1, 1],
            "departments_reporting": [1, 1, 0],
            "days_reported": [7, 5, 0],
            "last_day": pd.to_datetime(["2020-11-09", "2020-11-08", None]),
            "last_reported_at": pd.to_datetime(["2020-11-10 08:00", "2020-11-08 19:30", None], utc=True),
            "new_cases": pd.array([500, 200, None], dtype="Int64"),
            "index_reached_4h": pd.array([450, 124, None], dtype="Int64"),
            "contacts_identified": pd.array([1500, 400, None], dtype="Int64"),
            "contacts_reached_24h": pd.array([1200, 180, None], dtype="Int64"),
            "cases_known_as_contacts": pd.array([110, 90, None], dtype="Int64"),
            "pct_index_reached_4h": [90.0, 62.0, math.nan],
            "pct_contacts_reached_24h": [80.0, 45.0, math.nan],
            "pct_known_as_contacts": [22.0, 45.0, math.nan],
            "contacts_per_case": [3.0, 2.0, math.nan],
            "median_contacts_per_case": [2.5, math.nan, math.nan],
            "median_days": [7, 0, 0],
        }
    )


def active_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["54", "57", "88"],
            "name": ["Meurthe-et-Moselle", "Moselle", "Vosges"],
            "region_code": ["44", "44", "44"],
            "latitude": [48.79, 49.04, 48.2],
            "longitude": [6.17, 6.66, 6.4],
            "active_clusters": [4, 1, 0],
            "signal": [1, 0, 0],
            "investigating": [1, 0, 0],
            "active": [2, 1, 0],
            "cases_in_active_clusters": [37, 5, 0],
        }
    )


def timeline_frame(days: int = 10, incomplete: int = 3) -> pd.DataFrame:
    index = pd.date_range("2020-11-01", periods=days, freq="D")
    new_cases = [100.0 * (step + 1) for step in range(days)]
    reached = [cases * (0.9 - 0.04 * step) for step, cases in enumerate(new_cases)]
    return pd.DataFrame(
        {
            "day": index,
            "new_cases": new_cases,
            "index_reached_4h": reached,
            "contacts_identified": [cases * 3 for cases in new_cases],
            "contacts_reached_24h": [cases * 2.4 for cases in new_cases],
            "cases_known_as_contacts": [cases * 0.3 for cases in new_cases],
            "pct_index_reached_4h": [r * 100 / c for r, c in zip(reached, new_cases, strict=True)],
            "pct_contacts_reached_24h": [80.0] * days,
            "pct_known_as_contacts": [30.0] * days,
            "tests_7d": [1000.0 * (step + 1) for step in range(days)],
            "positives_7d": [50.0 * (step + 1) * (1 + step / 10) for step in range(days)],
            "positivity_7d": [5.0 * (1 + step / 10) for step in range(days)],
            "positivity_incomplete": [step >= days - incomplete for step in range(days)],
        }
    )


def test_tracing_bands_are_settings_data() -> None:
    for key, bands in TRACING_TARGETS.items():
        assert bands is BANDS[key]
    assert tf.RATE_VIEWS["pct_index_reached_4h"].bands is BANDS["pct_index_reached_4h"]
    assert [band.upper for band in BANDS["contacts_per_case"]] == [1, 2, 3, None]


@pytest.mark.parametrize(
    ("value", "percent", "expected"),
    [
        (62.4, True, f"62{NBSP}%"),
        (79.6, True, f"80{NBSP}%"),
        (2.44, False, "2,4"),
        (math.nan, True, "—"),
        (None, False, "—"),
    ],
)
def test_format_rate(value: float | None, percent: bool, expected: str) -> None:
    assert tf.format_rate(value, percent=percent) == expected


def test_rate_line_gives_numerator_denominator_and_target() -> None:
    row = {"pct_index_reached_4h": 62.0, "index_reached_4h": 310, "new_cases": 500}
    assert tf.rate_line(row, "pct_index_reached_4h") == (
        f"Cas index joints en moins de 4 h : 62{NBSP}% — 310 / 500 — objectif ≥ 80 %"
    )
    known = {"pct_known_as_contacts": math.nan, "cases_known_as_contacts": pd.NA, "new_cases": 0}
    assert tf.rate_line(known, "pct_known_as_contacts") == (
        "Nouveaux cas déjà connus comme contacts : pas de donnée — — / 0 — pas d'objectif officiel "
        "(20–25 % à l'automne 2020)"
    )
    per_case = {"contacts_per_case": 2.96, "contacts_identified": 1480, "new_cases": 500}
    assert tf.rate_line(per_case, "contacts_per_case") == (
        "Contacts identifiés par cas (moyenne) : 3,0 — 1\u202f480 / 500 — pas d'objectif officiel"
    )


def test_completeness_and_as_of_texts() -> None:
    row = coverage_frame().to_dict("records")[1]
    assert tf.completeness_text(row, "department") == "5 / 7 jours déclarés"
    assert tf.completeness_text(row, "region") == "1 / 1 départements, 5 / 7 jours déclarés"
    assert tf.as_of_text(row["last_reported_at"], NOW) == "au 08/11/2020 20:30 (il y a 40 h)"
    assert tf.as_of_text(pd.NaT, NOW) == "aucune déclaration"


def test_coverage_map_colours_by_band_and_hovers_every_part() -> None:
    figure = tf.coverage_map(coverage_frame(), level="department", rate="pct_index_reached_4h", now=NOW)
    missing, shown = figure.data[0], figure.data[1]
    assert list(missing.locations) == ["88"]
    assert list(shown.locations) == ["54", "57"]
    # 90 % is in the last band (target reached), 62 % in the middle one.
    assert list(shown.z) == [2.5, 1.5]
    assert list(shown.colorbar.ticktext) == [band.label for band in BANDS["pct_index_reached_4h"]]
    moselle = list(shown.customdata[1])
    assert moselle[0] == "Moselle"
    assert moselle[2] == f"Cas index joints en moins de 4 h : 62{NBSP}% — 124 / 200 — objectif ≥ 80 %"
    assert moselle[3] == "5 / 7 jours déclarés"
    assert moselle[4].startswith("au 08/11/2020 20:30")
    assert "Dernière déclaration %{customdata[4]}" in shown.hovertemplate
    assert not any(trace.type == "scattermap" for trace in figure.data)


def test_coverage_map_draws_active_clusters_as_sized_circles() -> None:
    figure = tf.coverage_map(
        coverage_frame(), level="department", rate="pct_known_as_contacts", active=active_frame(), now=NOW
    )
    circles = [trace for trace in figure.data if trace.type == "scattermap"]
    assert len(circles) == 1
    # Vosges has no active cluster: no circle there.
    assert [row[0] for row in circles[0].customdata] == ["54", "57"]
    sizes = list(circles[0].marker.size)
    assert sizes[0] > sizes[1]
    assert "4 cluster(s) non clôturé(s) : 1 signalé(s), 1 en investigation, 2 actif(s)" in circles[0].hovertext[0]
    assert "37 cas" in circles[0].hovertext[0]
    # The circle sits on its department: its hover repeats the department's rate.
    assert (
        circles[0]
        .hovertext[1]
        .endswith(
            f"<br>Nouveaux cas déjà connus comme contacts : 45{NBSP}% — 90 / 200 — "
            "pas d'objectif officiel (20–25 % à l'automne 2020)"
        )
    )
    regional = tf.coverage_map(coverage_frame(), level="region", rate="pct_index_reached_4h", active=active_frame())
    assert regional.data[-1].hovertext[1].endswith("5 cas dans ces clusters")
    shown = figure.data[1]
    assert list(shown.customdata[0])[5] == "Clusters actifs : 4"


def test_cluster_circle_area_grows_with_the_count() -> None:
    sizes = tf.cluster_circle_sizes([0, 1, 4], smallest=6, largest=24)
    assert sizes[0] == 6 and sizes[2] == 24
    assert sizes[1] == pytest.approx(6 + 18 * 0.5)
    assert tf.cluster_circle_sizes([]) == []


def test_active_clusters_are_summed_per_region() -> None:
    assert tf.active_clusters_by_territory(active_frame(), "region").to_dict() == {"44": 5}
    assert tf.active_clusters_by_territory(active_frame(), "department").to_dict() == {"54": 4, "57": 1, "88": 0}


def test_timeline_shows_rates_target_and_positivity_beneath() -> None:
    frame = timeline_frame()
    figure = tf.coverage_timeline_figure(frame, period=(date(2020, 11, 4), date(2020, 11, 10)))
    names = [trace.name for trace in figure.data]
    assert names == [
        "Cas index joints en moins de 4 h",
        "Contacts joints en moins de 24 h",
        "Nouveaux cas déjà connus comme contacts",
        "Objectif 80 %",
        "Positivité des tests (7 j)",
        "Positivité — résultats incomplets",
    ]
    index_trace = figure.data[0]
    assert index_trace.yaxis in (None, "y")  # the upper value axis
    assert list(index_trace.customdata[0]) == [90.0, 100.0]  # reached, new cases
    assert "%{customdata[0]:,.0f} / %{customdata[1]:,.0f}" in index_trace.hovertemplate
    assert list(figure.data[3].y) == [80, 80]
    complete, incomplete = figure.data[4], figure.data[5]
    assert complete.yaxis == incomplete.yaxis == "y2"
    # Seven complete days, then the dotted part from the last complete day on so that the line is unbroken.
    assert complete.y[6] == pytest.approx(8.0) and math.isnan(complete.y[7])
    assert math.isnan(incomplete.y[5]) and incomplete.y[6] == pytest.approx(8.0) and incomplete.line.dash == "dot"
    shaded = [shape for shape in figure.layout.shapes if shape.xref == "x"]
    assert len(shaded) == 1 and shaded[0].x0 == pd.Timestamp("2020-11-03 12:00")
    # Positivity bands (5 % and 10 %) behind the positivity line, up to its top (5 × 1.9 × 1.15).
    bands = [(shape.y0, shape.y1) for shape in figure.layout.shapes if shape.yref == "y2"]
    assert bands == [(0, 5), (5, 10), (10, pytest.approx(10.925))]
    assert figure.layout.yaxis.range == (0, 100)
    # One time axis for both, so that a unified hover gives the rates and positivity of the same day.
    assert figure.layout.hovermode == "x unified" and figure.layout.xaxis.anchor == "y2"


def test_timeline_without_data_says_so() -> None:
    figure = tf.coverage_timeline_figure(timeline_frame().iloc[0:0])
    assert figure.layout.annotations[0].text == "Aucune déclaration de contact-tracing sur cette période."
    positivity_only = timeline_frame()
    for rate in tf.TIMELINE_RATES:
        positivity_only[rate] = math.nan
    assert len(tf.coverage_timeline_figure(positivity_only).data) == 6


def test_last_positivity_prefers_a_complete_day() -> None:
    assert tf.last_positivity(timeline_frame())["day"] == pd.Timestamp("2020-11-07")
    assert tf.last_positivity(timeline_frame(days=2, incomplete=2))["day"] == pd.Timestamp("2020-11-02")
    assert tf.last_positivity(timeline_frame().iloc[0:0]) is None


def test_form_rates_preview_the_typed_figures() -> None:
    previews = {
        preview.key: preview
        for preview in tf.form_rates(
            {"new_cases": 120, "index_reached_4h": "90", "contacts_identified": 300, "contacts_reached_24h": None}
        )
    }
    index = previews["pct_index_reached_4h"]
    assert index.value == 75.0
    assert index.text == f"Cas index joints en moins de 4 h : 75{NBSP}% (90 / 120) — objectif ≥ 80 %"
    assert index.color == BANDS["pct_index_reached_4h"][1].color
    assert previews["pct_contacts_reached_24h"].value is None and previews["pct_contacts_reached_24h"].color is None
    assert previews["contacts_per_case"].value == 2.5
    none_yet = {preview.key: preview.value for preview in tf.form_rates({"new_cases": 0, "index_reached_4h": 0})}
    assert none_yet["pct_index_reached_4h"] is None
    assert previews["pct_index_reached_4h"].badge == f"75{NBSP}%"


def test_form_rates_flag_a_part_larger_than_its_whole() -> None:
    previews = {preview.key: preview for preview in tf.form_rates({"new_cases": 10, "index_reached_4h": 20})}
    broken = previews["pct_index_reached_4h"]
    assert broken.inconsistent and broken.value is None and broken.color is None
    assert broken.badge == "> 100 %"
    assert broken.text == "Cas index joints en moins de 4 h : incohérent (20 / 10), la part dépasse le total"
    assert not previews["pct_known_as_contacts"].inconsistent


def test_territory_rows_round_and_count() -> None:
    rows = tf.territory_rows(coverage_frame(), "department", active=active_frame())
    moselle, vosges = rows[1], rows[2]
    assert moselle["pct_index_reached_4h"] == 62.0 and moselle["index_reached_4h"] == 124
    assert moselle["contacts_per_case"] == 2.0 and moselle["median_contacts_per_case"] is None
    assert moselle["days"] == "5 / 7" and moselle["last_day"] == "08/11/2020"
    assert moselle["last_report"] == "08/11/2020 20:30" and moselle["active_clusters"] == 1
    assert vosges["pct_index_reached_4h"] is None and vosges["new_cases"] is None
    assert vosges["last_report"] == "—" and vosges["active_clusters"] == 0
    assert "active_clusters" not in tf.territory_rows(coverage_frame(), "department")[0]


def test_cluster_and_history_rows_are_french() -> None:
    clusters = pd.DataFrame(
        {
            "cluster_id": [7],
            "department_code": ["54"],
            "department_name": ["Meurthe-et-Moselle"],
            "commune": [None],
            "label": ["EHPAD Les Tilleuls"],
            "setting": ["care_home"],
            "setting_label": ["EHPAD / établissement médico-social"],
            "status": ["closed"],
            "status_label": ["Clôturé"],
            "opened_on": pd.to_datetime(["2020-11-02"]),
            "closed_on": pd.to_datetime(["2020-11-09"]),
            "cases": pd.array([12], dtype="Int64"),
            "updated_at": pd.to_datetime(["2020-11-09 10:00"], utc=True),
        }
    )
    [row] = tf.cluster_rows(clusters)
    assert row["row_id"] == "7" and row["department"] == "54 — Meurthe-et-Moselle" and row["commune"] is None
    assert (row["opened_on"], row["closed_on"], row["cases"]) == ("02/11/2020", "09/11/2020", 12)
    assert row["updated"] == "09/11/2020 11:00"

    history = pd.DataFrame(
        {
            "id": [3],
            "day": pd.to_datetime(["2020-11-09"]),
            "reported_at": pd.to_datetime(["2020-11-09 19:00"], utc=True),
            "channel": ["upload"],
            "author_name": [pd.NA],
            "versions": [2],
            "new_cases": [100],
            "index_reached_4h": [70],
            "contacts_identified": [260],
            "contacts_reached_24h": [200],
            "cases_known_as_contacts": [25],
            "contacts_per_case_median": [2.5],
            "pct_index_reached_4h": [70.0],
            "pct_contacts_reached_24h": [76.923],
            "pct_known_as_contacts": [25.0],
        }
    )
    [entry] = tf.history_rows(history)
    assert entry["day"] == "2020-11-09" and entry["day_text"] == "09/11/2020"
    assert entry["pct_contacts_reached_24h"] == 76.9 and entry["by"] == "—" and entry["channel"] == "fichier"
    assert entry["reported"] == "09/11/2020 20:00" and entry["versions"] == 2


def test_period_defaults_to_the_last_seven_days_and_never_ends_after_today() -> None:
    today = date(2020, 11, 10)
    assert tf.period_of(None, None, today=today) == (date(2020, 11, 4), today)
    assert tf.period_of("2020-11-01", "2020-12-31", today=today) == (date(2020, 11, 1), today)
    assert tf.period_of("2020-11-09T00:00:00", "2020-11-05", today=today) == (date(2020, 11, 5), date(2020, 11, 5))
    assert tf.period_of("n'importe", "quoi", today=today) == (date(2020, 11, 4), today)


def test_status_options_follow_the_allowed_transitions() -> None:
    assert [option["value"] for option in tf.status_options("signal")] == [
        "signal",
        "investigating",
        "active",
        "closed",
    ]
    assert [option["value"] for option in tf.status_options("active")] == ["active", "closed"]
    assert tf.status_options("closed") == [
        {"label": "Actif", "value": "active"},
        {"label": "Clôturé", "value": "closed"},
    ]


def test_badge_text_stays_readable() -> None:
    assert tf.readable_text_color("#deebf7") == "#212529"
    assert tf.readable_text_color("#08519c") == "#ffffff"
