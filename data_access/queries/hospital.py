"""Santé publique France hospital figures summed per department, region or France, per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import Department, HospitalOpenData


@dataclass(frozen=True)
class HospitalDay:
    day: date
    hospitalised: int
    intensive_care: int
    returned_home: int
    deaths: int


def hospital_timeline(
    session: Session, level: str, code: str | None, start: date, end: date
) -> list[HospitalDay]:
    """Daily totals for a department, a region or the country, summed in SQL from the departments' rows.

    ``level`` is "department", "region" or "country" ("france" is accepted); rows with a blank or NA
    department were never stored, so they are in no total.
    """
    query = (
        select(
            HospitalOpenData.day,
            func.coalesce(func.sum(HospitalOpenData.hospitalised), 0),
            func.coalesce(func.sum(HospitalOpenData.intensive_care), 0),
            func.coalesce(func.sum(HospitalOpenData.returned_home), 0),
            func.coalesce(func.sum(HospitalOpenData.deaths), 0),
        )
        .where(HospitalOpenData.day.between(start, end))
        .group_by(HospitalOpenData.day)
        .order_by(HospitalOpenData.day)
    )
    if level == "department":
        query = query.where(HospitalOpenData.department_code == code)
    elif level == "region":
        query = query.join(Department, HospitalOpenData.department_code == Department.code).where(
            Department.region_code == code
        )
    elif level not in {"country", "france"}:
        raise ValueError(f"unknown level {level!r}")
    return [HospitalDay(day, int(h), int(r), int(home), int(d)) for day, h, r, home, d in session.execute(query)]
