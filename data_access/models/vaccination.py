"""Vaccine appointments: vaccines, per-centre daily slot reports, and the leftover-dose waiting list."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base, UTCDateTime, utcnow
from data_access.models.reporting import ReportMixin

WAITING_STATUSES = ("waiting", "offered", "accepted", "expired", "withdrawn")


class Vaccine(Base):
    __tablename__ = "vaccines"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))


class SlotReport(ReportMixin, Base):
    __tablename__ = "slot_reports"
    __table_args__ = (Index("ix_slot_reports_latest", "establishment_id", "day", "vaccine_code", "reported_at", "id"),)

    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"))
    day: Mapped[date] = mapped_column(Date)
    vaccine_code: Mapped[str] = mapped_column(ForeignKey("vaccines.code"))
    slots_offered: Mapped[int] = mapped_column(Integer)
    slots_booked: Mapped[int] = mapped_column(Integer)
    doses_administered: Mapped[int] = mapped_column(Integer)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    leftover_doses: Mapped[int] = mapped_column(Integer, default=0)


class WaitingListEntry(Base):
    """A volunteer for leftover doses; contact details stay with the centre, only what matching needs is kept."""

    __tablename__ = "waiting_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    commune: Mapped[str] = mapped_column(String(120))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    age: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    phone: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default="waiting", index=True)
    offered_establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"))
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
