"""Staffing: needs per establishment and profession, the reinforcement pool and the missions matched to it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base, UTCDateTime, utcnow
from data_access.models.reporting import ReportMixin

MISSION_STATUSES = ("posted", "filled", "cancelled")


class Profession(Base):
    __tablename__ = "professions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))


class StaffingNeed(ReportMixin, Base):
    __tablename__ = "staffing_needs"
    __table_args__ = (
        Index("ix_staffing_needs_latest", "establishment_id", "profession_code", "period_start", "reported_at"),
    )

    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"))
    profession_code: Mapped[str] = mapped_column(ForeignKey("professions.code"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    required: Mapped[int] = mapped_column(Integer)
    available: Mapped[int] = mapped_column(Integer)


class Volunteer(Base):
    """A reservist or volunteer professional who can reinforce an establishment."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    profession_code: Mapped[str] = mapped_column(ForeignKey("professions.code"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    available_from: Mapped[date] = mapped_column(Date)
    available_to: Mapped[date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Mission(Base):
    """One posted reinforcement slot; filled when a volunteer is matched to it."""

    __tablename__ = "missions"

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), index=True)
    profession_code: Mapped[str] = mapped_column(ForeignKey("professions.code"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="posted")
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
