"""Drug stocks of hospital pharmacies (PUI): molecules catalogue and append-only stock reports."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data_access.models.base import Base
from data_access.models.reporting import ReportMixin
from data_access.models.territory import Establishment


class Molecule(Base):
    __tablename__ = "molecules"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    dispensing_unit: Mapped[str] = mapped_column(String(40), default="unités")
    critical: Mapped[bool] = mapped_column(Boolean, default=False)


class StockReport(ReportMixin, Base):
    __tablename__ = "stock_reports"
    __table_args__ = (Index("ix_stock_reports_latest", "establishment_id", "molecule_code", "reported_at", "id"),)

    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"))
    molecule_code: Mapped[str] = mapped_column(ForeignKey("molecules.code"))
    stock_on_hand: Mapped[int] = mapped_column(Integer)
    consumed_last_24h: Mapped[int | None] = mapped_column(Integer)
    declared_daily_consumption: Mapped[int | None] = mapped_column(Integer)
    expected_delivery_units: Mapped[int] = mapped_column(Integer, default=0)
    expected_delivery_on: Mapped[date | None] = mapped_column(Date)

    establishment: Mapped[Establishment] = relationship()
