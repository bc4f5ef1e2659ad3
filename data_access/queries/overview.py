"""Ready-to-show frames for the overview page: bed situation per territory and over time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import BedType, Department
from data_access.queries import beds

CRITICAL = "critical"
ALL = "all"


def bed_type_filter(session: Session, scope: str) -> list[str] | None:
    """Translate the page's bed scope ("all", "critical" or a bed type code) into bed type codes."""
    if scope in (None, "", ALL):
        return None
    if scope == CRITICAL:
        return list(session.scalars(select(BedType.code).where(BedType.critical_care.is_(True))))
    return [scope]


def bed_types(session: Session) -> list[tuple[str, str]]:
    return list(session.execute(select(BedType.code, BedType.label).order_by(BedType.sort_order)).all())


def territory_situation(
    session: Session,
    level: str,
    scope: str,
    *,
    stale_hours: float,
    now: datetime | None = None,
    within_region: str | None = None,
) -> pd.DataFrame:
    """Current beds per territory with names; every territory of the level appears (no data → NaN)."""
    now = now or datetime.now(UTC)
    territory = ("region", within_region) if within_region else None
    totals = beds.territory_totals(
        session,
        level,
        bed_types=bed_type_filter(session, scope),
        territory=territory,
        stale_before=now - timedelta(hours=stale_hours),
    )
    names = beds.territory_names(session, level)
    if within_region and level == "department":
        names = {
            code: name
            for code, name in session.execute(
                select(Department.code, Department.name).where(Department.region_code == within_region)
            ).all()
        }
    frame = pd.DataFrame({"code": list(names), "name": list(names.values())})
    frame = frame.merge(totals, on="code", how="left").sort_values("code", ignore_index=True)
    frame["stale_units"] = pd.to_numeric(frame["stale_units"]).fillna(0).astype("int64")
    return frame


def national_figures(
    session: Session, scope: str, *, territory: tuple[str, str] | None, stale_hours: float, now: datetime | None = None
) -> dict:
    """Key figures for France or one territory, with the "as of" times of the newest and oldest reports."""
    now = now or datetime.now(UTC)
    level = "country" if territory is None else territory[0]
    totals = beds.territory_totals(
        session,
        level,
        bed_types=bed_type_filter(session, scope),
        territory=territory,
        stale_before=now - timedelta(hours=stale_hours),
    )
    if territory is not None:
        totals = totals[totals["code"] == territory[1]]
    if totals.empty:
        return {}
    row = totals.iloc[0]
    return {key: (None if pd.isna(value) else value) for key, value in row.items()}


def timeline(
    session: Session, scope: str, *, territory: tuple[str, str] | None, days: int = 90, today: date | None = None
) -> pd.DataFrame:
    """The last ``days`` days up to today; days before a territory's first report simply have no row."""
    end = today or datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    return beds.daily_timeline(
        session, start=start, end=end, bed_types=bed_type_filter(session, scope), territory=territory
    )
