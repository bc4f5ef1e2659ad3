"""Territories and establishments: regions, departments, establishments and their care units."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data_access.models.base import Base

ESTABLISHMENT_KINDS = {
    "CHU": "Centre hospitalier universitaire",
    "CH": "Centre hospitalier",
    "CLINIQUE": "Clinique privée",
    "ESPIC": "ESPIC",
    "PUI": "Pharmacie à usage intérieur",
    "VACCINATION": "Centre de vaccination",
    "LABORATOIRE": "Laboratoire",
}


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    population: Mapped[int] = mapped_column(Integer, default=0)

    departments: Mapped[list[Department]] = relationship(back_populates="region")


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    population: Mapped[int] = mapped_column(Integer)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    region: Mapped[Region] = relationship(back_populates="departments")


class Establishment(Base):
    __tablename__ = "establishments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # FINESS géographique, 9 characters; vaccination centres from open data may have none.
    finess: Mapped[str | None] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    commune: Mapped[str] = mapped_column(String(120))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(30))
    # A PUI or a vaccination centre may belong to a hospital.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    department: Mapped[Department] = relationship()
    units: Mapped[list[Unit]] = relationship(back_populates="establishment")


class BedType(Base):
    """Reference list of bed types (réanimation adulte, USC, médecine…)."""

    __tablename__ = "bed_types"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    critical_care: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Unit(Base):
    """A care unit of one bed type; bed reports are made per unit."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    bed_type_code: Mapped[str] = mapped_column(ForeignKey("bed_types.code"), index=True)
    # Pre-crisis capacity: the denominator of "tension hospitalière" for critical care.
    baseline_beds: Mapped[int] = mapped_column(Integer, default=0)
    has_ventilators: Mapped[bool] = mapped_column(Boolean, default=False)
    has_ecmo: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    establishment: Mapped[Establishment] = relationship(back_populates="units")
    bed_type: Mapped[BedType] = relationship()
