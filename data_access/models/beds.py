"""Bed reports: append-only snapshots of one unit's capacity, occupancy and ventilators."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data_access.models.base import Base
from data_access.models.reporting import ReportMixin
from data_access.models.territory import Unit

BED_COUNT_FIELDS = (
    "installed",
    "open_beds",
    "occupied",
    "occupied_covid",
    "vent_invasive_used",
    "vent_invasive_available",
    "vent_noninvasive_used",
    "vent_noninvasive_available",
    "ecmo_used",
    "ecmo_available",
    "closed_staff",
    "closed_equipment",
    "closed_supplies",
)


class BedReport(ReportMixin, Base):
    __tablename__ = "bed_reports"
    __table_args__ = (
        # The "latest report per unit" query walks this index backwards, never the history.
        Index("ix_bed_reports_unit_latest", "unit_id", "reported_at", "id"),
        CheckConstraint("occupied_covid <= occupied", name="covid_le_occupied"),
        CheckConstraint("occupied <= open_beds", name="occupied_le_open"),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    installed: Mapped[int] = mapped_column(Integer)
    open_beds: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer)
    occupied_covid: Mapped[int] = mapped_column(Integer, default=0)
    vent_invasive_used: Mapped[int] = mapped_column(Integer, default=0)
    vent_invasive_available: Mapped[int] = mapped_column(Integer, default=0)
    vent_noninvasive_used: Mapped[int] = mapped_column(Integer, default=0)
    vent_noninvasive_available: Mapped[int] = mapped_column(Integer, default=0)
    ecmo_used: Mapped[int] = mapped_column(Integer, default=0)
    ecmo_available: Mapped[int] = mapped_column(Integer, default=0)
    closed_staff: Mapped[int] = mapped_column(Integer, default=0)
    closed_equipment: Mapped[int] = mapped_column(Integer, default=0)
    closed_supplies: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str | None] = mapped_column(String(500))

    unit: Mapped[Unit] = relationship()


class HospitalOpenData(Base):
    """Santé publique France hospital figures per department and day (context for the bed timeline)."""

    __tablename__ = "hospital_open_data"
    __table_args__ = (Index("uq_hospital_open_data_dep_day", "department_code", "day", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    day: Mapped[date] = mapped_column(Date)
    hospitalised: Mapped[int | None] = mapped_column(Integer)
    intensive_care: Mapped[int | None] = mapped_column(Integer)
    returned_home: Mapped[int | None] = mapped_column(Integer)
    deaths: Mapped[int | None] = mapped_column(Integer)
    source_file: Mapped[str] = mapped_column(String(200))
