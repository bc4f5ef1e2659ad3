"""Contact-tracing indicators in SQL: the latest version per department and day, coverage rates, timelines, clusters.

Conventions (docs/tracing-indicators.md): a department's figures for a day are its latest version, the row with
the largest (reported_at, id) for that (department, day); every rate is a ratio of sums over the period
(never a mean of daily rates), in percent, NaN when its denominator is zero or nothing was reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session, aliased

from data_access.models import (
    ALL_AGES,
    CLUSTER_SETTINGS,
    CLUSTER_STATUSES,
    Cluster,
    Department,
    Region,
    TestCount,
    TracingDaily,
    User,
    utcnow,
)
from settings import Band, settings

LEVELS = ("department", "region", "country")
COUNTRY_CODE = "FR"
COUNTRY_NAME = "France"
POSITIVITY_WINDOW_DAYS = 7

COUNT_FIELDS = (
    "new_cases",
    "index_reached_4h",
    "contacts_identified",
    "contacts_reached_24h",
    "cases_known_as_contacts",
)
ACTIVE_STATUSES = ("signal", "investigating", "active")


class RateSpec(NamedTuple):
    """A coverage rate: which summed column is divided by which, its French label and unit."""

    numerator: str
    denominator: str
    label: str
    unit: str  # "%" for percentages (× 100), "" for a plain ratio


# Every rate column of coverage() and coverage_timeline(), with the columns to show on hover.
RATES: dict[str, RateSpec] = {
    "pct_index_reached_4h": RateSpec("index_reached_4h", "new_cases", "Cas index joints en moins de 4 h", "%"),
    "pct_contacts_reached_24h": RateSpec(
        "contacts_reached_24h", "contacts_identified", "Contacts joints en moins de 24 h", "%"
    ),
    "pct_known_as_contacts": RateSpec(
        "cases_known_as_contacts", "new_cases", "Nouveaux cas déjà connus comme contacts", "%"
    ),
    "contacts_per_case": RateSpec("contacts_identified", "new_cases", "Contacts identifiés par cas (moyenne)", ""),
}

# Bands of the tracing rates, in percent: they live in settings.BANDS (thresholds are data); this is the view of
# the three judged against a target. 80 % within 4 h / 24 h are the French targets; for cases already known as
# contacts there is no official target (Santé publique France reported only 20–25 % in autumn 2020).
TRACING_TARGETS: dict[str, tuple[Band, ...]] = {
    key: settings.bands[key] for key in ("pct_index_reached_4h", "pct_contacts_reached_24h", "pct_known_as_contacts")
}
# The target line to draw on timelines; a rate without an official target has none.
TARGET_VALUES: dict[str, float] = {"pct_index_reached_4h": 80.0, "pct_contacts_reached_24h": 80.0}


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")


def _rate(numerator: Any, denominator: Any, scale: float) -> ColumnElement[float]:
    """numerator ÷ denominator × scale as a float, NULL when the denominator is zero or missing."""
    return cast(numerator, Float) * scale / func.nullif(cast(denominator, Float), 0.0)


def is_latest_version(row: Any = TracingDaily) -> ColumnElement[bool]:
    """True for the row that is its (department, day)'s latest version.

    ``WHERE department_code = ? AND day = ? ORDER BY reported_at DESC, id DESC LIMIT 1`` is one backwards probe
    of ix_tracing_daily_latest per row on SQLite and PostgreSQL alike; a new version always has a larger
    reported_at or, at the same instant, a larger id.
    """
    newer = aliased(TracingDaily)
    latest_id = (
        select(newer.id)
        .where(newer.department_code == row.department_code, newer.day == row.day)
        .order_by(newer.reported_at.desc(), newer.id.desc())
        .limit(1)
        .correlate(row)
        .scalar_subquery()
    )
    return row.id == latest_id


def latest_rows(
    start: date | None = None, end: date | None = None, department_codes: Sequence[str] | None = None
) -> Select[tuple[TracingDaily]]:
    """``SELECT tracing_daily`` restricted to latest versions, optionally to a period and departments."""
    query = select(TracingDaily).where(is_latest_version())
    if start is not None:
        query = query.where(TracingDaily.day >= start)
    if end is not None:
        query = query.where(TracingDaily.day <= end)
    if department_codes is not None:
        query = query.where(TracingDaily.department_code.in_(list(department_codes)))
    return query


def latest_version(session: Session, department_code: str, day: date) -> TracingDaily | None:
    """The current figures of one department and day, or None if it was never reported."""
    return session.scalar(
        select(TracingDaily)
        .where(TracingDaily.department_code == department_code, TracingDaily.day == day)
        .order_by(TracingDaily.reported_at.desc(), TracingDaily.id.desc())
        .limit(1)
    )


def latest_versions(session: Session, keys: Iterable[tuple[str, date]]) -> dict[tuple[str, date], TracingDaily]:
    """The current version of each given (department, day), in one query (for uploads)."""
    wanted = set(keys)
    if not wanted:
        return {}
    codes = sorted({code for code, _ in wanted})
    days = [day for _, day in wanted]
    rows = session.scalars(latest_rows(min(days), max(days), codes))
    return {
        (row.department_code, row.day): row for row in rows if (row.department_code, row.day) in wanted
    }


def last_tracing_day(session: Session, department_code: str) -> date | None:
    """The most recent day the department has figures for."""
    return session.scalar(
        select(func.max(TracingDaily.day)).where(TracingDaily.department_code == department_code)
    )


HISTORY_COLUMNS = [
    "id", "day", "reported_at", "age_hours", "channel", "author_id", "author_name", "versions", "supersedes_id",
    *COUNT_FIELDS, "contacts_per_case_median", "pct_index_reached_4h", "pct_contacts_reached_24h",
    "pct_known_as_contacts", "contacts_per_case",
]


def tracing_history(
    session: Session, department_code: str, limit: int = 30, *, now: datetime | None = None
) -> pd.DataFrame:
    """The department's latest version of each day, newest day first, with its age and how many versions it has.

    For the input page: prefill from the first row, show who sent each day, when, and through which channel.
    """
    now = now or utcnow()
    every_version = aliased(TracingDaily)
    versions = (
        select(func.count(every_version.id))
        .where(every_version.department_code == TracingDaily.department_code, every_version.day == TracingDaily.day)
        .correlate(TracingDaily)
        .scalar_subquery()
    )
    query = (
        select(
            TracingDaily.id,
            TracingDaily.day,
            TracingDaily.reported_at,
            TracingDaily.channel,
            TracingDaily.author_id,
            User.display_name.label("author_name"),
            versions.label("versions"),
            TracingDaily.supersedes_id,
            *(getattr(TracingDaily, name) for name in COUNT_FIELDS),
            TracingDaily.contacts_per_case_median,
        )
        .outerjoin(User, User.id == TracingDaily.author_id)
        .where(TracingDaily.department_code == department_code, is_latest_version())
        .order_by(TracingDaily.day.desc())
        .limit(limit)
    )
    frame = pd.DataFrame([dict(row) for row in session.execute(query).mappings()], columns=HISTORY_COLUMNS)
    frame["age_hours"] = [(now - reported_at).total_seconds() / 3600 for reported_at in frame["reported_at"]]
    frame = _add_rates(frame)
    return _typed(frame, HISTORY_COLUMNS)


def _add_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Rates from summed columns, NaN when the denominator is zero or missing (used on small frames only)."""
    for rate, spec in RATES.items():
        numerator = pd.to_numeric(frame[spec.numerator]).astype("float64")
        denominator = pd.to_numeric(frame[spec.denominator]).astype("float64")
        scale = 100.0 if spec.unit == "%" else 1.0
        frame[rate] = (numerator * scale / denominator).where(denominator > 0)
    return frame


_INTEGER_COLUMNS = {
    *COUNT_FIELDS, *(f"{name}_day" for name in COUNT_FIELDS), "id", "author_id", "versions", "supersedes_id",
    "days_reported", "days_in_period", "departments", "departments_reporting", "days_in_window", "median_days",
    "tests_7d", "positives_7d", "cluster_id", "cases", "active_clusters", "signal", "investigating", "active",
    "cases_in_active_clusters",
}
_FLOAT_COLUMNS = {
    *RATES, "age_hours", "contacts_per_case_median", "median_contacts_per_case", "contacts_per_case_median_day",
    "positivity_7d", "latitude", "longitude",
}
_DATE_COLUMNS = {"day", "last_day", "opened_on", "closed_on"}
_DATETIME_COLUMNS = {"reported_at", "last_reported_at", "updated_at"}
_BOOL_COLUMNS = {"positivity_incomplete"}


def _typed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Give every column a stable dtype whatever the database returned (dates as datetime64, counts Int64)."""
    frame = frame[columns].copy()
    for column in columns:
        if column in _INTEGER_COLUMNS:
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        elif column in _FLOAT_COLUMNS:
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
        elif column in _DATE_COLUMNS:
            frame[column] = pd.to_datetime(frame[column])
        elif column in _DATETIME_COLUMNS:
            frame[column] = pd.to_datetime(frame[column], utc=True)
        elif column in _BOOL_COLUMNS:
            frame[column] = frame[column].astype(bool)
        else:
            frame[column] = frame[column].astype("string")
    return frame


def _latest_in_period(start: date, end: date) -> Any:
    """Subquery of the latest versions with a day in [start, end]."""
    return (
        select(
            TracingDaily.department_code,
            TracingDaily.day,
            TracingDaily.reported_at,
            TracingDaily.contacts_per_case_median,
            *(getattr(TracingDaily, name) for name in COUNT_FIELDS),
        )
        .where(TracingDaily.day >= start, TracingDaily.day <= end, is_latest_version())
        .subquery("latest")
    )


COVERAGE_COLUMNS = [
    "code", "name", "days_in_period", "departments", "departments_reporting", "days_reported", "last_day",
    "last_reported_at", *COUNT_FIELDS, *RATES, "median_contacts_per_case", "median_days",
]


def coverage(
    session: Session, level: str, start: date, end: date, *, codes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per territory of ``level`` (every one, reported or not): the sums over [start, end] and the rates.

    Rates are ratios of sums in percent (``contacts_per_case`` is a plain ratio, the mean number of contacts
    per case); NaN when the denominator is 0 or nothing was reported. ``median_contacts_per_case`` is the
    median of the daily medians the platforms sent (``median_days`` of them) — a true median over cases
    cannot be rebuilt from aggregates. ``departments_reporting`` / ``departments`` and ``days_reported`` /
    ``days_in_period`` say how complete the sums are.
    """
    _check_level(level)
    if level == "country" and codes is not None and COUNTRY_CODE not in codes:
        return _typed(pd.DataFrame(columns=COVERAGE_COLUMNS), COVERAGE_COLUMNS)
    latest = _latest_in_period(start, end)
    sums = [func.sum(latest.c[name]).label(name) for name in COUNT_FIELDS]
    completeness = [
        func.count(func.distinct(Department.code)).label("departments"),
        func.count(func.distinct(latest.c.department_code)).label("departments_reporting"),
        func.count(func.distinct(latest.c.day)).label("days_reported"),
        func.max(latest.c.day).label("last_day"),
        func.max(latest.c.reported_at).label("last_reported_at"),
    ]
    joined_on = latest.c.department_code == Department.code
    if level == "department":
        query = (
            select(Department.code.label("code"), Department.name.label("name"), *completeness, *sums)
            .select_from(Department)
            .outerjoin(latest, joined_on)
            .group_by(Department.code, Department.name)
        )
        if codes is not None:
            query = query.where(Department.code.in_(list(codes)))
        territory = Department.code
    elif level == "region":
        query = (
            select(Region.code.label("code"), Region.name.label("name"), *completeness, *sums)
            .select_from(Region)
            .join(Department, Department.region_code == Region.code)
            .outerjoin(latest, joined_on)
            .group_by(Region.code, Region.name)
        )
        if codes is not None:
            query = query.where(Region.code.in_(list(codes)))
        territory = Department.region_code
    else:
        query = (
            select(literal(COUNTRY_CODE).label("code"), literal(COUNTRY_NAME).label("name"), *completeness, *sums)
            .select_from(Department)
            .outerjoin(latest, joined_on)
        )
        territory = literal(COUNTRY_CODE)
    frame = pd.DataFrame([dict(row) for row in session.execute(query.order_by("code")).mappings()])
    if frame.empty:
        return _typed(pd.DataFrame(columns=COVERAGE_COLUMNS), COVERAGE_COLUMNS)
    frame["days_in_period"] = max(0, (end - start).days + 1)
    frame = _add_rates(frame)

    # The median cannot be summed: collect the daily medians (at most departments × days rows) and take theirs.
    medians_query = (
        select(territory.label("code"), latest.c.contacts_per_case_median.label("median"))
        .select_from(latest)
        .join(Department, joined_on)
        .where(latest.c.contacts_per_case_median.is_not(None))
    )
    medians = pd.DataFrame([dict(row) for row in session.execute(medians_query).mappings()], columns=["code", "median"])
    grouped = medians.groupby("code")["median"].agg(["median", "count"])
    frame["median_contacts_per_case"] = frame["code"].map(grouped["median"]).astype("float64")
    frame["median_days"] = frame["code"].map(grouped["count"]).fillna(0)
    return _typed(frame, COVERAGE_COLUMNS)


TIMELINE_COLUMNS = [
    "code", "name", "day", "departments_reporting", *(f"{name}_day" for name in COUNT_FIELDS),
    "contacts_per_case_median_day", "days_in_window", *COUNT_FIELDS, *RATES, "tests_7d", "positives_7d",
    "positivity_7d", "positivity_incomplete",
]


def _territory_departments(level: str, code: str) -> ColumnElement[bool]:
    """A condition on Department selecting the territory's departments."""
    if level == "department":
        return Department.code == code
    if level == "region":
        return Department.region_code == code
    if code != COUNTRY_CODE:
        raise ValueError(f"unknown country code {code!r}; expected {COUNTRY_CODE!r}")
    return literal(True)


def _territory_name(session: Session, level: str, code: str) -> str | None:
    if level == "department":
        return session.scalar(select(Department.name).where(Department.code == code))
    if level == "region":
        return session.scalar(select(Region.name).where(Region.code == code))
    return COUNTRY_NAME


def coverage_timeline(
    session: Session, level: str, code: str, start: date, end: date, window: int = 7
) -> pd.DataFrame:
    """One row per calendar day in [start, end] for one territory: the day's sums and ``window``-day rates.

    Columns ending in ``_day`` are the day's own sums over the territory's departments; the unsuffixed sums are
    over the ``window`` days ending that day (days without any report are skipped, ``days_in_window`` says how
    many had one) and the rates are computed from them. ``contacts_per_case_median_day`` is the median of the
    departments' medians for that day. ``positivity_7d`` = ΣP ÷ ΣT × 100 over the 7 days ending that day from
    the departments' all-ages SI-DEP counts (NaN without test data); ``positivity_incomplete`` marks the last
    ``settings.incomplete_days`` days of test data, whose results are still arriving.
    """
    _check_level(level)
    if window < 1:
        raise ValueError("window must be at least one day")
    in_territory = _territory_departments(level, code)
    name = _territory_name(session, level, code)
    if end < start or name is None:
        return _typed(pd.DataFrame(columns=TIMELINE_COLUMNS), TIMELINE_COLUMNS)
    first_day = start - timedelta(days=window - 1)
    latest = _latest_in_period(first_day, end)
    member = latest.c.department_code == Department.code
    daily_query = (
        select(
            latest.c.day,
            func.count(latest.c.department_code).label("departments_reporting"),
            *(func.sum(latest.c[field]).label(field) for field in COUNT_FIELDS),
        )
        .select_from(latest)
        .join(Department, member)
        .where(in_territory)
        .group_by(latest.c.day)
    )
    daily = pd.DataFrame(
        [dict(row) for row in session.execute(daily_query).mappings()],
        columns=["day", "departments_reporting", *COUNT_FIELDS],
    )
    medians_query = (
        select(latest.c.day, latest.c.contacts_per_case_median.label("median"))
        .select_from(latest)
        .join(Department, member)
        .where(in_territory, latest.c.contacts_per_case_median.is_not(None))
    )
    medians = pd.DataFrame(
        [dict(row) for row in session.execute(medians_query).mappings()], columns=["day", "median"]
    )

    test_start = start - timedelta(days=POSITIVITY_WINDOW_DAYS - 1)
    tests_query = (
        select(
            TestCount.day,
            func.sum(TestCount.tests).label("tests"),
            func.sum(TestCount.positives).label("positives"),
        )
        .join(Department, Department.code == TestCount.territory_code)
        .where(
            TestCount.level == "department",
            TestCount.age_class == ALL_AGES,
            TestCount.day >= test_start,
            TestCount.day <= end,
            in_territory,
        )
        .group_by(TestCount.day)
    )
    tests = pd.DataFrame(
        [dict(row) for row in session.execute(tests_query).mappings()], columns=["day", "tests", "positives"]
    )
    last_test_day = session.scalar(
        select(func.max(TestCount.day)).where(TestCount.level == "department", TestCount.age_class == ALL_AGES)
    )

    calendar = pd.DatetimeIndex(pd.date_range(min(first_day, test_start), end, freq="D"), name="day")
    frame = pd.DataFrame(index=calendar)
    frame = frame.join(_by_day(daily)).join(_by_day(tests))
    frame["median"] = _by_day(medians).groupby(level=0)["median"].median() if not medians.empty else float("nan")

    counts = frame[list(COUNT_FIELDS)].astype("float64")
    rolling = counts.rolling(window, min_periods=1)
    reported = frame["departments_reporting"].notna().astype("float64")
    frame["days_in_window"] = reported.rolling(window, min_periods=1).sum()
    for field in COUNT_FIELDS:
        frame[f"{field}_day"] = frame[field]
    summed = rolling.sum()
    for field in COUNT_FIELDS:
        frame[field] = summed[field]
    frame = _add_rates(frame)
    test_rolling = frame[["tests", "positives"]].astype("float64").rolling(POSITIVITY_WINDOW_DAYS, min_periods=1)
    test_sums = test_rolling.sum()
    frame["tests_7d"] = test_sums["tests"]
    frame["positives_7d"] = test_sums["positives"]
    frame["positivity_7d"] = (frame["positives_7d"] * 100.0 / frame["tests_7d"]).where(frame["tests_7d"] > 0)
    if last_test_day is None:
        frame["positivity_incomplete"] = False
    else:
        cutoff = pd.Timestamp(last_test_day - timedelta(days=settings.incomplete_days))
        frame["positivity_incomplete"] = frame.index > cutoff

    frame = frame.loc[pd.Timestamp(start):pd.Timestamp(end)].reset_index()
    frame["code"] = code
    frame["name"] = name
    frame["contacts_per_case_median_day"] = frame["median"]
    return _typed(frame, TIMELINE_COLUMNS)


def _by_day(frame: pd.DataFrame) -> pd.DataFrame:
    """Index a per-day frame by a datetime64 ``day`` so that it joins the calendar."""
    indexed = frame.copy()
    indexed["day"] = pd.to_datetime(indexed["day"])
    return indexed.set_index("day")


CLUSTER_COLUMNS = [
    "cluster_id", "department_code", "department_name", "region_code", "commune", "label", "setting",
    "setting_label", "status", "status_label", "opened_on", "closed_on", "cases", "updated_at", "latitude",
    "longitude",
]


def _statuses(status: str | Sequence[str] | None) -> list[str] | None:
    if status is None:
        return None
    wanted = [status] if isinstance(status, str) else list(status)
    unknown = [value for value in wanted if value not in CLUSTER_STATUSES]
    if unknown:
        raise ValueError(f"unknown cluster status {unknown}; expected some of {list(CLUSTER_STATUSES)}")
    return wanted


def clusters(
    session: Session,
    *,
    department_code: str | None = None,
    region_code: str | None = None,
    status: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Clusters, newest opened first, with French labels and the department's centroid for the map.

    Clusters have no coordinates of their own (only a commune name), so several in one department share its
    centroid: a map should spread or aggregate them.
    """
    wanted = _statuses(status)
    query = (
        select(
            Cluster.id.label("cluster_id"),
            Cluster.department_code,
            Department.name.label("department_name"),
            Department.region_code,
            Cluster.commune,
            Cluster.label,
            Cluster.setting,
            Cluster.status,
            Cluster.opened_on,
            Cluster.closed_on,
            Cluster.cases,
            Cluster.updated_at,
            Department.latitude,
            Department.longitude,
        )
        .join(Department, Department.code == Cluster.department_code)
        .order_by(Cluster.opened_on.desc(), Cluster.id.desc())
    )
    if department_code is not None:
        query = query.where(Cluster.department_code == department_code)
    if region_code is not None:
        query = query.where(Department.region_code == region_code)
    if wanted is not None:
        query = query.where(Cluster.status.in_(wanted))
    frame = pd.DataFrame(
        [dict(row) for row in session.execute(query).mappings()],
        columns=[column for column in CLUSTER_COLUMNS if column not in {"setting_label", "status_label"}],
    )
    frame["setting_label"] = frame["setting"].map(CLUSTER_SETTINGS)
    frame["status_label"] = frame["status"].map(CLUSTER_STATUSES)
    return _typed(frame, CLUSTER_COLUMNS)


ACTIVE_COLUMNS = [
    "code", "name", "region_code", "latitude", "longitude", "active_clusters", "signal", "investigating", "active",
    "cases_in_active_clusters",
]


def active_clusters_per_department(session: Session, *, region_code: str | None = None) -> pd.DataFrame:
    """Every department with its number of active clusters (signalled, under investigation or active).

    Departments without any have 0, so a map can colour them; ``cases_in_active_clusters`` sums their cases.
    """
    is_active = Cluster.status.in_(ACTIVE_STATUSES)
    by_status = [
        func.count(case((Cluster.status == status, Cluster.id), else_=None)).label(status) for status in ACTIVE_STATUSES
    ]
    query = (
        select(
            Department.code.label("code"),
            Department.name.label("name"),
            Department.region_code,
            Department.latitude,
            Department.longitude,
            func.count(Cluster.id).label("active_clusters"),
            *by_status,
            func.coalesce(func.sum(Cluster.cases), 0).label("cases_in_active_clusters"),
        )
        .select_from(Department)
        .outerjoin(Cluster, and_(Cluster.department_code == Department.code, is_active))
        .group_by(Department.code, Department.name, Department.region_code, Department.latitude, Department.longitude)
        .order_by(Department.code)
    )
    if region_code is not None:
        query = query.where(Department.region_code == region_code)
    frame = pd.DataFrame([dict(row) for row in session.execute(query).mappings()], columns=ACTIVE_COLUMNS)
    return _typed(frame, ACTIVE_COLUMNS)
