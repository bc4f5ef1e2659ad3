"""Contact-tracing aggregates per department and day (never a named person) and clusters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base, UTCDateTime, utcnow
from data_access.models.reporting import ReportMixin

CLUSTER_SETTINGS = {
    "care_home": "EHPAD / établissement médico-social",
    "hospital": "Établissement de santé",
    "school": "Milieu scolaire / universitaire",
    "workplace": "Entreprise",
    "family": "Milieu familial élargi",
    "event": "Rassemblement",
    "other": "Autre",
}
CLUSTER_STATUSES = {
    "signal": "Signalé",
    "investigating": "En cours d'investigation",
    "active": "Actif",
    "closed": "Clôturé",
}


class TracingDaily(ReportMixin, Base):
    __tablename__ = "tracing_daily"
    __table_args__ = (Index("ix_tracing_daily_latest", "department_code", "day", "reported_at", "id"),)

    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    day: Mapped[date] = mapped_column(Date)
    new_cases: Mapped[int] = mapped_column(Integer)
    index_reached_4h: Mapped[int] = mapped_column(Integer)
    contacts_identified: Mapped[int] = mapped_column(Integer)
    contacts_reached_24h: Mapped[int] = mapped_column(Integer)
    cases_known_as_contacts: Mapped[int] = mapped_column(Integer)
    contacts_per_case_median: Mapped[float | None] = mapped_column()


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    commune: Mapped[str | None] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(String(200))
    setting: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
