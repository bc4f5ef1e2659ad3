"""Tracing indicators: latest versions, hand-computed coverage rates, region and country sums, the timeline with
positivity, history and last day, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from data_access import models
from data_access.models import TracingDaily
from data_access.queries.tracing import (
    RATES,
    TARGET_VALUES,
    TRACING_TARGETS,
    coverage,
    coverage_timeline,
    last_tracing_day,
    latest_versions,
    tracing_history,
)
from settings import Band

START, END = date(2020, 11, 1), date(2020, 11, 3)
# Not imported by name: pytest would try to collect a class called Test*.
SidepCount = models.TestCount


def add_day(
    session: Session,
    department_code: str,
    day: date,
    counts: tuple[int, int, int, int, int],
    median: float | None = None,
    *,
    reported_at: datetime | None = None,
    supersedes: TracingDaily | None = None,
) -> TracingDaily:
    """counts = (new cases, index reached 4 h, contacts identified, contacts reached 24 h, known as contacts)."""
    new_cases, index_reached, contacts, reached, known = counts
    row = TracingDaily(
        department_code=department_code,
        day=day,
        reported_at=reported_at or datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=20),
        channel="form",
        new_cases=new_cases,
        index_reached_4h=index_reached,
        contacts_identified=contacts,
        contacts_reached_24h=reached,
        cases_known_as_contacts=known,
        contacts_per_case_median=median,
        supersedes_id=supersedes.id if supersedes else None,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def reports(session: Session) -> dict[str, TracingDaily]:
    """Meurthe-et-Moselle (54) with a corrected day and a day outside the period; Moselle (57) with a day of
    zero; Vosges (88) silent; Bouches-du-Rhône (13) in another region."""
    before = add_day(session, "54", date(2020, 10, 31), (1000, 100, 2000, 1000, 100), 9.0)
    first = add_day(session, "54", date(2020, 11, 1), (100, 50, 200, 150, 20), 2.0)
    corrected = add_day(
        session, "54", date(2020, 11, 1), (110, 60, 220, 160, 22), 2.0,
        reported_at=datetime(2020, 11, 2, 8, 0, tzinfo=UTC), supersedes=first,
    )
    add_day(session, "54", date(2020, 11, 2), (90, 81, 180, 170, 30), 3.0)
    add_day(session, "57", date(2020, 11, 3), (0, 0, 0, 0, 0), None)
    add_day(session, "13", date(2020, 11, 2), (50, 10, 100, 40, 5), 1.5)
    add_day(session, "13", date(2020, 11, 4), (999, 999, 999, 999, 999), 1.0)  # after the period
    return {"before": before, "first": first, "corrected": corrected}


def test_department_coverage_is_a_ratio_of_sums_over_latest_versions(
    session: Session, reports: dict[str, TracingDaily]
) -> None:
    frame = coverage(session, "department", START, END).set_index("code")
    assert len(frame) == 101  # every department, reported or not
    nancy = frame.loc["54"]
    assert (nancy["new_cases"], nancy["index_reached_4h"], nancy["contacts_identified"]) == (200, 141, 400)
    assert (nancy["contacts_reached_24h"], nancy["cases_known_as_contacts"]) == (330, 52)
    assert nancy["pct_index_reached_4h"] == pytest.approx(70.5)
    assert nancy["pct_contacts_reached_24h"] == pytest.approx(82.5)
    assert nancy["pct_known_as_contacts"] == pytest.approx(26.0)
    assert nancy["contacts_per_case"] == pytest.approx(2.0)
    assert nancy["median_contacts_per_case"] == pytest.approx(2.5) and nancy["median_days"] == 2
    assert (nancy["days_reported"], nancy["days_in_period"], nancy["departments_reporting"]) == (2, 3, 1)
    assert nancy["last_day"] == pd.Timestamp("2020-11-02")
    assert nancy["last_reported_at"] == pd.Timestamp("2020-11-02 20:00", tz="UTC")
    assert nancy["name"] == "Meurthe-et-Moselle"


def test_zero_denominators_give_nan_not_an_error(session: Session, reports: dict[str, TracingDaily]) -> None:
    frame = coverage(session, "department", START, END).set_index("code")
    moselle = frame.loc["57"]
    assert moselle["new_cases"] == 0 and moselle["days_reported"] == 1
    for rate in RATES:
        assert math.isnan(moselle[rate])
    assert math.isnan(moselle["median_contacts_per_case"]) and moselle["median_days"] == 0
    vosges = frame.loc["88"]
    assert vosges["days_reported"] == 0 and pd.isna(vosges["new_cases"]) and math.isnan(vosges["pct_index_reached_4h"])


def test_region_and_country_sum_their_departments(session: Session, reports: dict[str, TracingDaily]) -> None:
    regions = coverage(session, "region", START, END).set_index("code")
    assert len(regions) == 18
    grand_est = regions.loc["44"]
    assert (grand_est["new_cases"], grand_est["index_reached_4h"], grand_est["contacts_reached_24h"]) == (200, 141, 330)
    assert (grand_est["departments"], grand_est["departments_reporting"], grand_est["days_reported"]) == (10, 2, 3)
    assert grand_est["pct_index_reached_4h"] == pytest.approx(70.5)
    assert grand_est["median_contacts_per_case"] == pytest.approx(2.5)
    assert regions.loc["93", "new_cases"] == 50

    france = coverage(session, "country", START, END)
    assert list(france["code"]) == ["FR"] and list(france["name"]) == ["France"]
    row = france.iloc[0]
    assert (row["new_cases"], row["index_reached_4h"], row["contacts_identified"]) == (250, 151, 500)
    assert row["pct_index_reached_4h"] == pytest.approx(151 / 250 * 100)
    assert row["pct_contacts_reached_24h"] == pytest.approx(370 / 500 * 100)
    assert row["pct_known_as_contacts"] == pytest.approx(57 / 250 * 100)
    assert row["median_contacts_per_case"] == pytest.approx(2.0)  # median of 2.0, 3.0 and 1.5
    assert (row["departments"], row["departments_reporting"]) == (101, 3)


def test_coverage_filters_codes_and_returns_typed_empty_frames(session: Session, reports: dict) -> None:
    only = coverage(session, "department", START, END, codes=["54", "13"])
    assert list(only["code"]) == ["13", "54"]
    assert coverage(session, "country", START, END, codes=["44"]).empty
    assert str(only["new_cases"].dtype) == "Int64" and str(only["pct_index_reached_4h"].dtype) == "float64"
    with pytest.raises(ValueError, match="unknown level"):
        coverage(session, "commune", START, END)


def test_latest_versions_and_last_day(session: Session, reports: dict[str, TracingDaily]) -> None:
    found = latest_versions(session, [("54", date(2020, 11, 1)), ("57", date(2020, 11, 3)), ("88", START)])
    assert found[("54", date(2020, 11, 1))].id == reports["corrected"].id
    assert ("88", START) not in found and len(found) == 2
    assert last_tracing_day(session, "54") == date(2020, 11, 2)
    assert last_tracing_day(session, "88") is None


def test_history_lists_latest_versions_newest_first(session: Session, reports: dict[str, TracingDaily]) -> None:
    history = tracing_history(session, "54", limit=2, now=datetime(2020, 11, 3, 8, 0, tzinfo=UTC))
    assert [day.date() for day in history["day"]] == [date(2020, 11, 2), date(2020, 11, 1)]
    assert list(history["versions"]) == [1, 2]
    assert history.iloc[1]["id"] == reports["corrected"].id and history.iloc[1]["supersedes_id"] == reports["first"].id
    assert list(history["age_hours"]) == pytest.approx([12.0, 24.0])
    assert history.iloc[0]["pct_index_reached_4h"] == pytest.approx(90.0)
    assert tracing_history(session, "88").empty


def add_tests(session: Session, level: str, code: str, day: date, tests: int, positives: int, age: str = "0") -> None:
    session.add(SidepCount(level=level, territory_code=code, day=day, age_class=age, tests=tests,
                          positives=positives, source="test"))
    session.flush()


@pytest.fixture
def test_counts(session: Session) -> None:
    add_tests(session, "department", "54", date(2020, 11, 1), 1000, 100)
    add_tests(session, "department", "54", date(2020, 11, 2), 500, 100)
    add_tests(session, "department", "57", date(2020, 11, 2), 500, 50)
    add_tests(session, "department", "54", date(2020, 11, 2), 9999, 9999, age="09")  # an age class: ignored
    add_tests(session, "region", "44", date(2020, 11, 2), 7777, 7777)  # a region's own row: not summed again


def test_timeline_rolls_over_the_window_and_joins_positivity(
    session: Session, reports: dict, test_counts: None
) -> None:
    frame = coverage_timeline(session, "department", "54", START, END, window=2)
    assert [day.date() for day in frame["day"]] == [date(2020, 11, 1), date(2020, 11, 2), date(2020, 11, 3)]
    assert list(frame["new_cases_day"].astype("object").where(frame["new_cases_day"].notna(), None)) == [
        110, 90, None
    ]
    # 1 Nov: 31 Oct + 1 Nov (corrected); 2 Nov: 1 + 2 Nov; 3 Nov: only 2 Nov reported in the window.
    assert list(frame["new_cases"]) == [1110, 200, 90]
    assert list(frame["index_reached_4h"]) == [160, 141, 81]
    assert list(frame["days_in_window"]) == [2, 2, 1]
    assert list(frame["pct_index_reached_4h"]) == pytest.approx([160 / 1110 * 100, 70.5, 90.0])
    assert list(frame["pct_contacts_reached_24h"]) == pytest.approx([1160 / 2220 * 100, 82.5, 170 / 180 * 100])
    medians = frame["contacts_per_case_median_day"]
    assert medians.iloc[1] == 3.0 and math.isnan(medians.iloc[2])
    assert list(frame["tests_7d"]) == [1000, 1500, 1500]
    assert list(frame["positivity_7d"]) == pytest.approx([10.0, 200 / 1500 * 100, 200 / 1500 * 100])
    # The last test day is 2 Nov: the 3 days before it and after are still incomplete.
    assert list(frame["positivity_incomplete"]) == [True, True, True]
    assert set(frame["code"]) == {"54"} and set(frame["name"]) == {"Meurthe-et-Moselle"}


def test_region_timeline_sums_departments_and_their_tests(session: Session, reports: dict, test_counts: None) -> None:
    frame = coverage_timeline(session, "region", "44", START, END, window=1).set_index("day")
    day = frame.loc[pd.Timestamp("2020-11-02")]
    assert day["positivity_7d"] == pytest.approx(250 / 2000 * 100)
    assert day["new_cases"] == 90 and day["departments_reporting"] == 1
    third = frame.loc[pd.Timestamp("2020-11-03")]
    assert third["departments_reporting"] == 1 and third["new_cases"] == 0 and math.isnan(third["pct_index_reached_4h"])
    france = coverage_timeline(session, "country", "FR", START, END, window=7).set_index("day")
    assert france.loc[pd.Timestamp("2020-11-02"), "new_cases"] == 1000 + 110 + 90 + 50


def test_timeline_without_tests_has_nan_positivity(session: Session, reports: dict) -> None:
    frame = coverage_timeline(session, "department", "13", START, END)
    assert frame["positivity_7d"].isna().all() and not frame["positivity_incomplete"].any()
    assert list(frame["new_cases"].astype("object").where(frame["new_cases"].notna(), None)) == [None, 50, 50]
    assert coverage_timeline(session, "department", "00", START, END).empty
    with pytest.raises(ValueError, match="country code"):
        coverage_timeline(session, "country", "44", START, END)


def test_targets_are_bands_in_percent() -> None:
    assert set(TRACING_TARGETS) == {"pct_index_reached_4h", "pct_contacts_reached_24h", "pct_known_as_contacts"}
    for bands in TRACING_TARGETS.values():
        assert all(isinstance(band, Band) for band in bands) and bands[-1].upper is None
    assert [band.upper for band in TRACING_TARGETS["pct_index_reached_4h"]] == [50, 80, None]
    assert [band.upper for band in TRACING_TARGETS["pct_known_as_contacts"]] == [25, 50, None]
    assert TARGET_VALUES == {"pct_index_reached_4h": 80.0, "pct_contacts_reached_24h": 80.0}
