"""Bed situation queries: latest report per unit, totals per territory, and the daily timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from data_access.models import BedReport, BedType, Department, Establishment, Region, Unit, UTCDateTime

LEVELS = ("department", "region", "country")


def latest_report_id(as_of: datetime | None = None):  # type: ignore[no-untyped-def]
    """Scalar subquery correlated to ``Unit``: the id of that unit's latest report, or NULL if it never reported.

    Latest = largest (reported_at, id): a correction keeps its original's reported_at and gets a larger id,
    so it wins. ``WHERE unit_id = ? ORDER BY reported_at DESC, id DESC LIMIT 1`` is one backwards probe of the
    (unit_id, reported_at, id) index per unit on SQLite and PostgreSQL alike, so history is never scanned.
    With ``as_of``, reports made after that time are ignored.
    """
    newer = aliased(BedReport)
    query = select(newer.id).where(newer.unit_id == Unit.id)
    if as_of is not None:
        query = query.where(newer.reported_at <= as_of)
    return query.order_by(newer.reported_at.desc(), newer.id.desc()).limit(1).correlate(Unit).scalar_subquery()


def _territory_column(level: str):  # type: ignore[no-untyped-def]
    if level == "department":
        return Establishment.department_code
    if level == "region":
        return Department.region_code
    if level == "country":
        return literal("FR")
    raise ValueError(f"unknown level {level!r}")


def _scoped(query: Select, bed_types: list[str] | None, territory: tuple[str, str] | None) -> Select:
    """Filter by bed types and by a territory: ("department"|"region"|"establishment", code)."""
    if bed_types:
        query = query.where(Unit.bed_type_code.in_(bed_types))
    if territory is not None:
        level, code = territory
        if level == "department":
            query = query.where(Establishment.department_code == code)
        elif level == "region":
            query = query.where(Department.region_code == code)
        elif level == "establishment":
            query = query.where(Establishment.id == int(code))
    return query


def current_units(
    session: Session,
    *,
    bed_types: list[str] | None = None,
    territory: tuple[str, str] | None = None,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """One row per active unit with its latest report (units that never reported are left out)."""
    query = (
        select(
            Unit.id.label("unit_id"),
            Unit.name.label("unit_name"),
            Unit.bed_type_code,
            Unit.baseline_beds,
            Establishment.id.label("establishment_id"),
            Establishment.name.label("establishment_name"),
            Establishment.finess,
            Establishment.department_code,
            Department.region_code,
            BedReport.id.label("report_id"),
            BedReport.reported_at,
            BedReport.installed,
            BedReport.open_beds,
            BedReport.occupied,
            BedReport.occupied_covid,
        )
        .join(Establishment, Unit.establishment_id == Establishment.id)
        .join(Department, Establishment.department_code == Department.code)
        .join(BedReport, BedReport.id == latest_report_id(as_of))
        .where(Unit.active.is_(True), Establishment.active.is_(True))
    )
    rows = session.execute(_scoped(query, bed_types, territory)).mappings().all()
    return pd.DataFrame(rows, columns=list(query.selected_columns.keys()))


def territory_totals(
    session: Session,
    level: str,
    *,
    bed_types: list[str] | None = None,
    territory: tuple[str, str] | None = None,
    as_of: datetime | None = None,
    stale_before: datetime | None = None,
) -> pd.DataFrame:
    """Current beds summed per territory in SQL, with occupancy, COVID share and critical-care tension.

    Tension hospitalière = COVID patients in critical-care units ÷ their pre-crisis capacity.
    """
    territory_code = _territory_column(level).label("code")
    critical = BedType.critical_care.is_(True)
    stale_units = (
        func.sum(_case_when(BedReport.reported_at < stale_before, 1)) if stale_before is not None else literal(0)
    )
    query = (
        select(
            territory_code,
            func.count(Unit.id).label("units"),
            func.count(func.distinct(Establishment.id)).label("establishments"),
            func.sum(BedReport.installed).label("installed"),
            func.sum(BedReport.open_beds).label("open_beds"),
            func.sum(BedReport.occupied).label("occupied"),
            func.sum(BedReport.occupied_covid).label("occupied_covid"),
            func.sum(_case_when(critical, BedReport.occupied_covid)).label("critical_covid"),
            func.sum(_case_when(critical, Unit.baseline_beds)).label("critical_baseline"),
            func.max(BedReport.reported_at).label("last_report_at"),
            func.min(BedReport.reported_at).label("oldest_report_at"),
            stale_units.label("stale_units"),
        )
        .select_from(Unit)
        .join(Establishment, Unit.establishment_id == Establishment.id)
        .join(Department, Establishment.department_code == Department.code)
        .join(BedType, Unit.bed_type_code == BedType.code)
        .join(BedReport, BedReport.id == latest_report_id(as_of))
        .where(Unit.active.is_(True), Establishment.active.is_(True))
        .group_by(territory_code)
    )
    rows = session.execute(_scoped(query, bed_types, territory)).mappings().all()
    frame = pd.DataFrame(rows, columns=list(query.selected_columns.keys()))
    return _with_rates(frame)


def _case_when(condition, value):  # type: ignore[no-untyped-def]
    from sqlalchemy import case

    return case((condition, value), else_=0)


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("installed", "open_beds", "occupied", "occupied_covid", "critical_covid", "critical_baseline"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    frame["free_beds"] = frame["open_beds"] - frame["occupied"]
    frame["occupancy"] = frame["occupied"] / frame["open_beds"].where(frame["open_beds"] > 0)
    frame["covid_share"] = frame["occupied_covid"] / frame["occupied"].where(frame["occupied"] > 0)
    frame["tension"] = frame["critical_covid"] / frame["critical_baseline"].where(frame["critical_baseline"] > 0)
    for column in ("last_report_at", "oldest_report_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def territory_names(session: Session, level: str) -> dict[str, str]:
    if level == "department":
        return dict(session.execute(select(Department.code, Department.name)).all())
    if level == "region":
        return dict(session.execute(select(Region.code, Region.name)).all())
    return {"FR": "France"}


def daily_timeline(
    session: Session,
    *,
    start: date,
    end: date,
    bed_types: list[str] | None = None,
    territory: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """The situation at the end of each day (latest report per unit as of 23:59:59 UTC), summed in SQL."""
    if end < start:
        return _with_rates(
            pd.DataFrame(
                columns=[
                    "day",
                    "open_beds",
                    "occupied",
                    "occupied_covid",
                    "critical_covid",
                    "critical_baseline",
                    "units",
                ]
            )
        )
    day_ends = [
        select(
            literal(start + timedelta(days=offset)).label("day"),
            literal(datetime.combine(start + timedelta(days=offset), time.max, tzinfo=UTC), UTCDateTime()).label(
                "day_end"
            ),
        )
        for offset in range((end - start).days + 1)
    ]
    days = union_all(*day_ends).subquery("days")
    newer = aliased(BedReport)
    latest = (
        select(newer.id)
        .where(newer.unit_id == Unit.id, newer.reported_at <= days.c.day_end)
        .order_by(newer.reported_at.desc(), newer.id.desc())
        .limit(1)
        .correlate(Unit, days)
        .scalar_subquery()
    )
    critical = BedType.critical_care.is_(True)
    query = (
        select(
            days.c.day,
            func.count(Unit.id).label("units"),
            func.sum(BedReport.open_beds).label("open_beds"),
            func.sum(BedReport.occupied).label("occupied"),
            func.sum(BedReport.occupied_covid).label("occupied_covid"),
            func.sum(_case_when(critical, BedReport.occupied_covid)).label("critical_covid"),
            func.sum(_case_when(critical, Unit.baseline_beds)).label("critical_baseline"),
        )
        .select_from(days)
        .join(Unit, literal(True))
        .join(Establishment, Unit.establishment_id == Establishment.id)
        .join(Department, Establishment.department_code == Department.code)
        .join(BedType, Unit.bed_type_code == BedType.code)
        .join(BedReport, BedReport.id == latest)
        .where(Unit.active.is_(True), Establishment.active.is_(True))
        .group_by(days.c.day)
        .order_by(days.c.day)
    )
    rows = session.execute(_scoped(query, bed_types, territory)).mappings().all()
    frame = pd.DataFrame(rows, columns=list(query.selected_columns.keys()))
    frame["day"] = pd.to_datetime(frame["day"])
    return _with_rates(frame)


def last_received(session: Session) -> datetime | None:
    """When the newest report reached the store: the row with the largest id, found through the primary key
    (a MIN or MAX over reported_at would read the whole history)."""
    newest = select(func.max(BedReport.id)).scalar_subquery()
    return _aware(session.scalar(select(BedReport.recorded_at).where(BedReport.id == newest)))


def _aware(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def establishment_situation(
    session: Session,
    *,
    bed_types: list[str] | None = None,
    region_code: str | None = None,
    establishment_ids: frozenset[int] | None = None,
) -> pd.DataFrame:
    """Current beds per establishment (summed over its units of the chosen types), with contact details,
    the newest and oldest of its units' reports, and free beds per bed type for the map popup."""
    # The per-establishment, per-type columns: selected and grouped on alike.
    keys = (
        Establishment.id,
        Establishment.name,
        Establishment.finess,
        Establishment.kind,
        Establishment.department_code,
        Department.region_code,
        Establishment.commune,
        Establishment.latitude,
        Establishment.longitude,
        Establishment.phone,
        Unit.bed_type_code,
    )
    query = (
        select(
            *keys,
            BedType.label.label("bed_type"),
            func.sum(BedReport.installed).label("installed"),
            func.sum(BedReport.open_beds).label("open_beds"),
            func.sum(BedReport.occupied).label("occupied"),
            func.sum(BedReport.occupied_covid).label("occupied_covid"),
            func.max(BedReport.reported_at).label("last_report_at"),
            func.min(BedReport.reported_at).label("oldest_report_at"),
        )
        .select_from(Unit)
        .join(Establishment, Unit.establishment_id == Establishment.id)
        .join(Department, Establishment.department_code == Department.code)
        .join(BedType, Unit.bed_type_code == BedType.code)
        .join(BedReport, BedReport.id == latest_report_id())
        .where(Unit.active.is_(True), Establishment.active.is_(True))
        .group_by(*keys, BedType.label, BedType.sort_order)
        .order_by(Establishment.id, BedType.sort_order)
    )
    if bed_types:
        query = query.where(Unit.bed_type_code.in_(bed_types))
    if region_code is not None:
        query = query.where(Department.region_code == region_code)
    if establishment_ids is not None:
        query = query.where(Establishment.id.in_(establishment_ids or {-1}))
    by_type = pd.DataFrame(session.execute(query).mappings().all(), columns=list(query.selected_columns.keys())).rename(
        columns={"id": "establishment_id"}
    )
    if by_type.empty:
        return by_type.assign(free_by_type=pd.Series(dtype=object))
    by_type["free"] = by_type["open_beds"] - by_type["occupied"]
    by_type["free_text"] = by_type["bed_type"] + " : " + by_type["free"].astype(str)
    keys = [
        "establishment_id",
        "name",
        "finess",
        "kind",
        "department_code",
        "region_code",
        "commune",
        "latitude",
        "longitude",
        "phone",
    ]
    frame = by_type.groupby(keys, as_index=False, dropna=False).agg(
        installed=("installed", "sum"),
        open_beds=("open_beds", "sum"),
        occupied=("occupied", "sum"),
        occupied_covid=("occupied_covid", "sum"),
        last_report_at=("last_report_at", "max"),
        oldest_report_at=("oldest_report_at", "min"),
        free_by_type=("free_text", "<br>".join),
    )
    frame["critical_covid"] = 0
    frame["critical_baseline"] = 0
    return _with_rates(frame)
