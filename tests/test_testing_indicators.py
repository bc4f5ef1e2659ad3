"""Test-positivity indicators: hand-computed windows, aggregation rules, and agreement with SpF's figures."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data_access import models
from data_access.queries import testing
from services.importers.sidep import import_sidep
from settings import settings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sidep"
OPENDATA = Path(__file__).resolve().parents[2] / "shared" / "opendata"
real_files = pytest.mark.skipif(not OPENDATA.is_dir(), reason="the shared open-data folder is not here")


def add(
    session: Session,
    code: str,
    day: date,
    positives: int,
    tests: int,
    *,
    level: str = "department",
    age_class: str = "0",
    population: float | None = None,
) -> None:
    session.add(
        models.TestCount(level=level, territory_code=code, day=day, age_class=age_class, tests=tests,
                         positives=positives, population=population, source="test")
    )


def add_week(
    session: Session, code: str, monday: date, positives: int, tests: int, population: float, age_class: str = "0"
) -> None:
    session.add(
        models.TestWindowCount(level="department", territory_code=code, period_start=monday,
                               period_end=monday + timedelta(days=6), age_scheme="cl_age90", age_class=age_class,
                               tests=tests, positives=positives, population=population, source="test")
    )


def reference_population(session: Session, code: str) -> int:
    return session.get(models.Department, code).population  # type: ignore[union-attr]


def row(frame: pd.DataFrame, code: str) -> pd.Series:
    [index] = frame.index[frame["code"] == code]
    return frame.loc[index]


SEPT = [date(2020, 9, day) for day in range(1, 15)]


def ain_with_a_gap_and_a_day_without_tests(session: Session) -> None:
    """Prior week 1 positive / 100 tests a day; current week (8–14 Sept) hand-picked, 10 Sept missing."""
    for day in SEPT[:7]:
        add(session, "01", day, 1, 100)
    current = {8: (2, 100), 11: (5, 200), 12: (0, 0), 13: (4, 100)}
    for day_of_month, (positives, tests) in current.items():
        add(session, "01", date(2020, 9, day_of_month), positives, tests)
    # Only two rows carry the file's pop, as when a day of a pop-less file was revised by a newer one.
    add(session, "01", date(2020, 9, 9), 3, 100, population=200_000)
    add(session, "01", date(2020, 9, 14), 6, 100, population=200_000)
    session.flush()


# --- hand-computed windows ------------------------------------------------------------------------


def test_seven_day_window_ends_on_the_day_and_sums_what_exists(session: Session) -> None:
    ain_with_a_gap_and_a_day_without_tests(session)

    frame = testing.indicators(session, "department", date(2020, 9, 14))
    ain = row(frame, "01")

    # D-6..D = 8..14 September: P = 2+3+5+0+4+6 = 20, T = 600 over 6 days (the 10th is missing).
    assert (ain["positives_7d"], ain["tests_7d"], ain["days_in_window"]) == (20, 600, 6)
    assert ain["window_start"] == pd.Timestamp(2020, 9, 8)
    assert (ain["population"], ain["population_source"]) == (200_000, "file_day")
    assert ain["incidence"] == pytest.approx(10.0)  # 20 / 200 000 × 100 000
    assert ain["positivity"] == pytest.approx(100 * 20 / 600)  # ratio of sums, not a mean of daily ratios
    assert ain["testing_rate"] == pytest.approx(300.0)
    # Prior week 1..7 September: 7 positives over the same population.
    assert (ain["positives_prior_7d"], ain["tests_prior_7d"], ain["prior_days_in_window"]) == (7, 700, 7)
    assert ain["incidence_prior"] == pytest.approx(3.5)
    assert ain["incidence_change"] == pytest.approx(6.5)
    assert ain["incidence_change_pct"] == pytest.approx(6.5 / 3.5 * 100)
    assert ain["name"] == "Ain"


def test_zero_tests_give_no_positivity_rather_than_an_error(session: Session) -> None:
    add(session, "02", date(2020, 9, 12), 0, 0)
    session.flush()

    aisne = row(testing.indicators(session, "department", date(2020, 9, 12)), "02")

    assert (aisne["positives_7d"], aisne["tests_7d"], aisne["days_in_window"]) == (0, 0, 1)
    assert math.isnan(aisne["positivity"])
    assert aisne["incidence"] == 0.0
    assert (aisne["population"], aisne["population_source"]) == (reference_population(session, "02"), "reference")
    assert pd.isna(aisne["incidence_prior"]) and pd.isna(aisne["incidence_change"])


def test_daily_and_seven_day_timelines(session: Session) -> None:
    ain_with_a_gap_and_a_day_without_tests(session)

    daily = testing.timeline(session, "department", ["01"], date(2020, 9, 8), date(2020, 9, 14), window="daily")
    seven = testing.timeline(session, "department", ["01"], date(2020, 9, 8), date(2020, 9, 14))

    # A day without data is absent, not zero.
    assert list(daily["day"].dt.day) == [8, 9, 11, 12, 13, 14]
    assert list(daily["positives"]) == [2, 3, 5, 0, 4, 6]
    assert math.isnan(daily.loc[daily["day"] == pd.Timestamp(2020, 9, 12), "positivity"].item())
    by_day = seven.set_index(seven["day"].dt.day)
    # Window for the 11th: 5..11 Sept = 1+1+1 (5,6,7) + 2+3 + (10th missing) + 5 → P 13, T 700, 6 days.
    assert (by_day.loc[11, "positives"], by_day.loc[11, "tests"], by_day.loc[11, "days_in_window"]) == (13, 700, 6)
    # Window for the 8th is complete: 2..8 Sept.
    assert (by_day.loc[8, "positives"], by_day.loc[8, "days_in_window"]) == (8, 7)
    assert by_day.loc[14, "positives"] == 20 and by_day.loc[14, "population_source"] == "file_day"
    # A day without a pop of its own uses one published on another day of its window (the 9th)…
    assert (by_day.loc[11, "population"], by_day.loc[11, "population_source"]) == (200_000, "file_window")
    assert by_day.loc[11, "incidence"] == pytest.approx(13 / 200_000 * 100_000)
    # …and a window without any falls back to the reference population.
    ain_reference = reference_population(session, "01")
    assert (by_day.loc[8, "population"], by_day.loc[8, "population_source"]) == (ain_reference, "reference")


def test_seven_day_timeline_agrees_with_indicators_every_day(session: Session) -> None:
    import_sidep(session, FIXTURES / "dep-quot-pop.csv", "dep-quot-pop.csv")
    codes = ["01", "2A", "971"]

    seven = testing.timeline(session, "department", codes, date(2020, 9, 1), date(2020, 9, 12))

    assert len(seven) == 36
    for day in pd.date_range("2020-09-01", "2020-09-12"):
        per_day = testing.indicators(session, "department", day.date()).set_index("code")
        for code in codes:
            line = seven[(seven["code"] == code) & (seven["day"] == day)].iloc[0]
            assert line["positives"] == per_day.loc[code, "positives_7d"]
            assert line["tests"] == per_day.loc[code, "tests_7d"]
            assert line["incidence"] == pytest.approx(per_day.loc[code, "incidence"])


def test_population_falls_back_to_a_weekly_file_then_to_the_reference(session: Session) -> None:
    add(session, "2A", date(2020, 9, 6), 10, 300)
    add(session, "2B", date(2020, 9, 6), 10, 300)
    add_week(session, "2A", date(2020, 8, 31), 50, 900, 158_507)
    session.flush()

    frame = testing.indicators(session, "department", date(2020, 9, 6)).set_index("code")

    assert (frame.loc["2A", "population"], frame.loc["2A", "population_source"]) == (158_507, "file")
    assert frame.loc["2A", "incidence"] == pytest.approx(10 / 158_507 * 100_000)
    assert frame.loc["2B", "population_source"] == "reference"
    assert frame.loc["2B", "population"] == reference_population(session, "2B")


# --- regions and France ---------------------------------------------------------------------------


def test_region_sums_its_departments_unless_it_has_its_own_rows(session: Session) -> None:
    for offset, day in enumerate(SEPT[7:]):
        add(session, "2A", day, 10 + offset, 100)
        add(session, "2B", day, 20, 200)
    add(session, "01", SEPT[-1], 500, 1000)  # another region: must not leak into Corse
    session.flush()
    corse_population = reference_population(session, "2A") + reference_population(session, "2B")

    derived = row(testing.indicators(session, "region", SEPT[-1]), "94")

    # 2A: 10+11+…+16 = 91; 2B: 7 × 20 = 140.
    assert (derived["positives_7d"], derived["tests_7d"], derived["days_in_window"]) == (231, 2100, 7)
    assert (derived["population"], derived["population_source"]) == (corse_population, "departments")
    assert derived["incidence"] == pytest.approx(231 / corse_population * 100_000)
    assert derived["name"] == "Corse"

    # A region file's row for the 14th replaces the departments' sum for that day only.
    add(session, "94", SEPT[-1], 40, 333, level="region", population=340_000)
    session.flush()
    stored = row(testing.indicators(session, "region", SEPT[-1]), "94")
    assert (stored["positives_7d"], stored["tests_7d"]) == (231 - 16 - 20 + 40, 2100 - 300 + 333)
    assert (stored["population"], stored["population_source"]) == (340_000, "file_day")


def test_france_sums_departments_or_uses_its_own_rows(session: Session) -> None:
    add(session, "01", SEPT[0], 5, 50)
    add(session, "971", SEPT[0], 7, 70)
    session.flush()
    all_departments = sum(session.scalars(select(models.Department.population)))

    france = row(testing.indicators(session, "country", SEPT[0]), "FR")
    assert (france["positives_7d"], france["tests_7d"], france["name"]) == (12, 120, "France")
    assert (france["population"], france["population_source"]) == (all_departments, "departments")

    add(session, "FR", SEPT[0], 100, 1000, level="country", population=67_114_995)
    session.flush()
    france = row(testing.indicators(session, "country", SEPT[0]), "FR")
    assert (france["positives_7d"], france["tests_7d"], france["population"]) == (100, 1000, 67_114_995)


def test_region_age_class_needs_every_department_population(session: Session) -> None:
    add(session, "2A", SEPT[0], 3, 30, age_class="09", population=14_519)
    add(session, "2B", SEPT[0], 2, 20, age_class="09")
    session.flush()

    corse = row(testing.indicators(session, "region", SEPT[0], age_class="09"), "94")

    # Haute-Corse published no pop for 0–9 year-olds: no incidence rather than a wrong one.
    assert (corse["positives_7d"], corse["tests_7d"]) == (5, 50)
    assert math.isnan(corse["population"]) and math.isnan(corse["incidence"])
    assert corse["positivity"] == pytest.approx(10.0)

    # Once both departments publish it, the region's population is their sum.
    session.execute(
        update(models.TestCount).where(models.TestCount.territory_code == "2B").values(population=17_002)
    )
    corse = row(testing.indicators(session, "region", SEPT[0], age_class="09"), "94")
    assert (corse["population"], corse["population_source"]) == (14_519 + 17_002, "file_day")
    assert corse["incidence"] == pytest.approx(5 / 31_521 * 100_000)


def test_region_age_populations_add_up_per_age_class(session: Session) -> None:
    """Each age class gets the sum of its own departments' populations, never another class's."""
    weekly_populations = {("2A", "09"): 14_519, ("2B", "09"): 17_002, ("2A", "90"): 2_401, ("2B", "90"): 2_950}
    for (code, age), population in weekly_populations.items():
        add_week(session, code, date(2020, 8, 31), 1, 10, population, age_class=age)
        add(session, code, SEPT[5], 2, 20, age_class=age)
    session.flush()

    frame = testing.age_timeline(session, "region", "94", SEPT[5], SEPT[5]).set_index("age_class")

    assert list(frame.index) == ["09", "90"]
    assert frame.loc["09", "population"] == 14_519 + 17_002
    assert frame.loc["90", "population"] == 2_401 + 2_950
    assert set(frame["population_source"]) == {"departments"}
    assert frame.loc["90", "incidence"] == pytest.approx(4 / 5_351 * 100_000)


# --- incomplete days, age classes, weekly windows -------------------------------------------------


def test_the_last_days_of_data_are_marked_incomplete(session: Session) -> None:
    for day in SEPT:
        add(session, "01", day, 1, 10)
    session.flush()
    last = SEPT[-1]
    assert settings.incomplete_days == 3

    flags = {
        offset: bool(row(testing.indicators(session, "department", last - timedelta(days=offset)), "01")["incomplete"])
        for offset in range(5)
    }
    assert flags == {0: True, 1: True, 2: True, 3: False, 4: False}
    line = testing.timeline(session, "department", ["01"], SEPT[0], last)
    assert list(line["incomplete"]) == [False] * 11 + [True] * 3
    assert testing.available_days(session) == (SEPT[0], last)
    assert testing.available_days(session, "region") == (SEPT[0], last)


def test_age_timeline_uses_the_published_age_populations(session: Session) -> None:
    import_sidep(session, FIXTURES / "dep-quot-pop.csv", "dep-quot-pop.csv")
    with (FIXTURES / "dep-quot-pop.csv").open(newline="") as handle:
        raw = [r for r in csv.DictReader(handle, delimiter=";") if r["dep"] == "971" and r["cl_age90"] == "09"]
    window = [r for r in raw if "2020-09-04" <= r["jour"] <= "2020-09-10"]
    positives = sum(int(r["P"]) for r in window)

    frame = testing.age_timeline(session, "department", "971", date(2020, 9, 10), date(2020, 9, 10))

    assert list(frame["age_class"]) == list(testing.AGE_CLASSES)
    young = frame[frame["age_class"] == "09"].iloc[0]
    assert young["age_label"] == "0–9 ans"
    assert young["positives"] == positives
    assert young["incidence"] == pytest.approx(positives / 44_220 * 100_000)


def test_age_classes_without_published_population_have_no_incidence(session: Session) -> None:
    import_sidep(session, FIXTURES / "dep-quot-sans-pop.csv", "dep-quot-sans-pop.csv")

    frame = testing.age_timeline(session, "department", "2A", date(2020, 9, 10), date(2020, 9, 10))

    by_age = frame.set_index("age_class")
    assert by_age.loc["0", "population_source"] == "reference"
    assert by_age.loc["09", "incidence"] != by_age.loc["09", "incidence"]  # NaN
    assert by_age.loc["09", "positivity"] >= 0


def test_weekly_windows_keep_their_own_rates(session: Session) -> None:
    import_sidep(session, FIXTURES / "dep-hebdo.csv", "dep-hebdo.csv")

    frame = testing.window_timeline(session, "department", ["01"], date(2020, 9, 1), date(2020, 9, 30))

    assert list(frame["period_end"]) == [pd.Timestamp(2020, 9, 6), pd.Timestamp(2020, 9, 13)]
    first = frame.iloc[0]
    with (FIXTURES / "dep-hebdo.csv").open(newline="") as handle:
        [raw] = [r for r in csv.DictReader(handle, delimiter=";")
                 if (r["dep"], r["week"], r["cl_age90"]) == ("01", "2020-S36", "0")]
    assert (first["positives"], first["tests"], first["population"]) == (int(raw["P"]), int(raw["T"]), 656_955)
    assert first["incidence"] == pytest.approx(int(raw["P"]) / 656_955 * 100_000)
    # Weekly totals never reach the daily indicators.
    assert testing.indicators(session, "department", date(2020, 9, 6)).empty


def test_unknown_level_or_window_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="unknown level"):
        testing.indicators(session, "commune", SEPT[0])
    with pytest.raises(ValueError, match="unknown window"):
        testing.timeline(session, "department", ["01"], SEPT[0], SEPT[-1], window="14d")
    assert testing.timeline(session, "department", [], SEPT[0], SEPT[-1]).empty


# --- agreement with Santé publique France, on the real files --------------------------------------


def raw_national() -> dict[date, dict[str, tuple[int, int, float]]]:
    """sp-pos-quot-france.csv read with the csv module: day -> age class -> (P, T, pop)."""
    table: dict[date, dict[str, tuple[int, int, float]]] = defaultdict(dict)
    with (OPENDATA / "sp-pos-quot-france.csv").open(newline="") as handle:
        for record in csv.DictReader(handle, delimiter=";"):
            table[date.fromisoformat(record["jour"])][record["cl_age90"]] = (
                int(record["P"]), int(record["T"]), float(record["pop"]),
            )
    return table


@real_files
def test_national_incidence_matches_an_independent_computation_from_the_raw_file(session: Session) -> None:
    import_sidep(session, OPENDATA / "sp-pos-quot-france.csv", "sp-pos-quot-france.csv")
    raw = raw_national()

    for day in (date(2020, 5, 13), date(2020, 10, 20), date(2021, 1, 15), date(2021, 11, 30), date(2022, 3, 18)):
        window = [raw[day - timedelta(days=back)]["0"] for back in range(7) if day - timedelta(days=back) in raw]
        positives = sum(values[0] for values in window)
        tests = sum(values[1] for values in window)
        population = raw[day]["0"][2]
        france = row(testing.indicators(session, "country", day), "FR")
        assert (france["positives_7d"], france["tests_7d"], france["days_in_window"]) == (
            positives, tests, len(window),
        )
        assert france["incidence"] == pytest.approx(positives / population * 100_000, rel=1e-12)
        assert france["positivity"] == pytest.approx(positives / tests * 100, rel=1e-12)
    # 20 October 2020, for the record: 204 071 positives in 7 days for 67 114 995 inhabitants.
    assert round(row(testing.indicators(session, "country", date(2020, 10, 20)), "FR")["incidence"], 1) == 304.1
    last = row(testing.indicators(session, "country", date(2022, 3, 18)), "FR")
    assert bool(last["incomplete"]) is True

    whole = testing.timeline(session, "country", ["FR"], date(2020, 5, 13), date(2022, 3, 18))
    assert len(whole) == 675
    for index, day in enumerate(sorted(raw)):
        expected = sum(raw[d]["0"][0] for d in raw if day - timedelta(days=6) <= d <= day)
        assert (whole["day"].iloc[index], whole["positives"].iloc[index]) == (pd.Timestamp(day), expected)


@real_files
def test_published_school_age_rates_are_reproduced_to_the_hundredth(session: Session) -> None:
    name = "sp-ti-tp-7j-18ans-fra.age00-03-2020-05-13_2020-11-29.csv"
    import_sidep(session, OPENDATA / name, name)
    with (OPENDATA / name).open(newline="") as handle:
        published = list(csv.DictReader(handle, delimiter=";"))

    frame = testing.window_timeline(
        session, "country", ["FR"], date(2020, 5, 1), date(2020, 12, 31), age_scheme="cl_age18", age_class="02"
    )

    assert len(frame) == len(published) == 201
    for record, (_, computed) in zip(published, frame.iterrows(), strict=True):
        assert computed["period_end"] == pd.Timestamp(record["sg"][11:])
        for ours, theirs in (("incidence", "Ti"), ("positivity", "Tp"), ("testing_rate", "Td")):
            assert f"{computed[ours]:.2f}".replace(".", ",") == record[theirs], (record["sg"], ours)


@real_files
def test_school_windows_end_on_their_last_day_like_ours(session: Session) -> None:
    """SpF's 2020-05-07-2020-05-13 window holds tests although SI-DEP starts on the 13th: it ends on D."""
    school = "sp-ti-tp-7j-18ans-fra.age00-03-2020-05-13_2020-11-29.csv"
    import_sidep(session, OPENDATA / school, school)
    import_sidep(session, OPENDATA / "sp-pos-quot-france.csv", "sp-pos-quot-france.csv")

    under_3 = testing.window_timeline(
        session, "country", ["FR"], date(2020, 5, 1), date(2020, 12, 31), age_scheme="cl_age18", age_class="02"
    ).set_index("period_end")
    under_10 = testing.timeline(
        session, "country", ["FR"], date(2020, 5, 13), date(2020, 11, 29), age_class="09"
    ).set_index("day")

    first = under_10.loc[pd.Timestamp(2020, 5, 13)]
    assert (first["days_in_window"], first["tests"]) == (1, 1282)
    assert under_3.loc[pd.Timestamp(2020, 5, 13), "tests"] == 435
    # The 0–2 year-olds are a part of the 0–9 year-olds in every window.
    joined = under_3.join(under_10.add_suffix("_under_10"), how="inner")
    assert len(joined) == 201
    assert (joined["tests_under_10"] >= joined["tests"]).all()
    assert (joined["positives_under_10"] >= joined["positives"]).all()


@real_files
def test_department_incidence_matches_the_published_weekly_figures(session: Session) -> None:
    """The daily file's 7-day incidence on a Sunday equals SpF's weekly incidence (Monday–Sunday).

    The files are different releases (October 2020 and February 2021): SpF revised a few departments in
    between, so the test asks for most departments to match to the hundredth, and shows that shifting the
    window by one day breaks the agreement.
    """
    import_sidep(session, OPENDATA / "tx_positivite_depart.csv", "tx_positivite_depart.csv")
    import_sidep(session, OPENDATA / "sp-pos-quot-dep.csv", "sp-pos-quot-dep.csv")
    sunday = date(2020, 5, 31)  # end of ISO week 2020-S22
    weekly = testing.window_timeline(session, "department", None, sunday, sunday).set_index("code")

    def share_matching(day: date) -> float:
        ours = testing.indicators(session, "department", day).set_index("code")
        joined = ours.join(weekly.add_suffix("_weekly"), how="inner")
        assert len(joined) == 101
        return float((joined["incidence"].round(2) == joined["incidence_weekly"].round(2)).mean())

    ours = testing.indicators(session, "department", sunday).set_index("code")
    assert set(ours["population_source"]) == {"file"}  # SpF's pop, from the weekly file
    assert share_matching(sunday) >= 0.85
    for code in ("01", "13", "69"):
        assert round(ours.loc[code, "incidence"], 2) == round(weekly.loc[code, "incidence"], 2)
    assert share_matching(sunday - timedelta(days=1)) < 0.6
    assert share_matching(sunday + timedelta(days=1)) < 0.6
