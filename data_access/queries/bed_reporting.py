"""Reads behind the bed input page: the establishments a principal may report for, units with their last report,
and the recent history of reports with who made each version."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from data_access.models import (
    BED_COUNT_FIELDS,
    BedReport,
    BedType,
    Department,
    Establishment,
    ReportingLink,
    Unit,
    User,
)
from data_access.queries.beds_directory import latest_reports_for_units

if TYPE_CHECKING:  # the data layer reads a principal's scope but does not depend on services at run time
    from services.auth import Principal

HOSPITAL_KINDS = ("CHU", "CH", "CLINIQUE", "ESPIC")


def reportable_establishments(session: Session, principal: Principal | None) -> list[tuple[int, str]]:
    """(id, label) of the hospitals this principal may report for, by name."""
    if principal is None:
        return []
    query = (
        select(Establishment.id, Establishment.name, Establishment.finess, Establishment.department_code)
        .join(Department, Establishment.department_code == Department.code)
        .where(Establishment.active.is_(True), Establishment.kind.in_(HOSPITAL_KINDS))
        .order_by(Establishment.name)
    )
    if principal.role in {"reporter", "link"}:
        query = query.where(Establishment.id.in_(principal.establishment_ids or {-1}))
    elif principal.role == "regional":
        query = query.where(Department.region_code == principal.region_code)
    elif principal.role != "admin":
        return []
    return [
        (row.id, f"{row.name} ({row.department_code}) — FINESS {row.finess or '—'}") for row in session.execute(query)
    ]


def units_with_latest(
    session: Session, establishment_id: int, unit_id: int | None = None
) -> list[tuple[Unit, BedReport | None]]:
    """Active units in bed-type order, each with its current report (None if it never reported)."""
    query = (
        select(Unit)
        .join(BedType, Unit.bed_type_code == BedType.code)
        .where(Unit.establishment_id == establishment_id, Unit.active.is_(True))
        .order_by(BedType.sort_order, Unit.name)
    )
    if unit_id is not None:
        query = query.where(Unit.id == unit_id)
    units = list(session.scalars(query))
    latest = latest_reports_for_units(session, [unit.id for unit in units])
    return [(unit, latest.get(unit.id)) for unit in units]


def report_history(session: Session, establishment_id: int, since: datetime) -> pd.DataFrame:
    """Every version reported since ``since`` for the establishment, newest first, marking superseded ones."""
    newer = aliased(BedReport)
    superseded = exists(select(newer.id).where(newer.supersedes_id == BedReport.id))
    query = (
        select(
            BedReport.id,
            BedReport.unit_id,
            Unit.name.label("unit_name"),
            BedType.label.label("bed_type"),
            BedReport.reported_at,
            BedReport.recorded_at,
            BedReport.channel,
            BedReport.supersedes_id,
            superseded.label("superseded"),
            User.display_name.label("author"),
            ReportingLink.holder_name.label("link_holder"),
            *(getattr(BedReport, name) for name in BED_COUNT_FIELDS),
            BedReport.comment,
        )
        .join(Unit, BedReport.unit_id == Unit.id)
        .join(BedType, Unit.bed_type_code == BedType.code)
        .outerjoin(User, BedReport.author_id == User.id)
        .outerjoin(ReportingLink, and_(BedReport.reporting_link_id == ReportingLink.id))
        .where(Unit.establishment_id == establishment_id, BedReport.reported_at >= since)
        .order_by(BedReport.reported_at.desc(), BedReport.id.desc())
        .limit(500)
    )
    rows = session.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=list(query.selected_columns.keys()))
