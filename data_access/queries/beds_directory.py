"""Bed directory queries: latest report per unit, find a free bed nearest first, and who has not reported."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from data_access.models import BedReport, BedType, Department, Establishment, Unit, utcnow
from data_access.queries.beds import latest_report_id as latest_bed_report_id
from settings import settings

EARTH_RADIUS_KM = 6371.0088


def latest_bed_report_ids(as_of: datetime | None = None) -> Select[tuple[int, int | None]]:
    """``SELECT unit_id, report_id`` for every unit (report_id NULL when it never reported); add filters, then
    ``.subquery()`` and join ``BedReport.id == sub.c.report_id``."""
    return select(Unit.id.label("unit_id"), latest_bed_report_id(as_of).label("report_id"))


def latest_reports_for_units(session: Session, unit_ids: list[int]) -> dict[int, BedReport]:
    """The latest report of each given unit, in one query."""
    if not unit_ids:
        return {}
    latest = latest_bed_report_ids().where(Unit.id.in_(unit_ids)).subquery()
    reports = session.scalars(select(BedReport).join(latest, BedReport.id == latest.c.report_id))
    return {report.unit_id: report for report in reports}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def normalize_name(text: str) -> str:
    """Lower case, no accents, hyphens/apostrophes as spaces: 'Saint-Étienne' == 'saint etienne'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    cleaned = "".join(char if char.isalnum() else " " for char in plain)
    return " ".join(cleaned.split())


class OriginError(ValueError):
    """The place a search starts from cannot be found; the message names the field."""


@dataclass(frozen=True)
class Origin:
    """Where the patient is: a point, with a label for the page and the establishment to leave out, if any."""

    latitude: float
    longitude: float
    label: str
    establishment_id: int | None = None


def resolve_origin(
    session: Session,
    *,
    department_code: str | None = None,
    commune: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    establishment_id: int | None = None,
) -> Origin:
    """Turn what the user gave into a point: an establishment, coordinates, a commune name, or a department.

    A commune name is located at the mean position of the establishments in that commune (there is no commune
    table); ``department_code`` narrows a name shared by several departments.
    """
    if establishment_id is not None:
        establishment = session.get(Establishment, establishment_id)
        if establishment is None:
            raise OriginError(f"Établissement : n° {establishment_id} inconnu.")
        return Origin(establishment.latitude, establishment.longitude, establishment.name, establishment.id)
    if latitude is not None or longitude is not None:
        if latitude is None or longitude is None:
            raise OriginError("Coordonnées : latitude et longitude sont toutes deux obligatoires.")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise OriginError(f"Coordonnées : ({latitude}, {longitude}) hors des bornes.")
        return Origin(latitude, longitude, f"{latitude:.4f}, {longitude:.4f}")
    if commune:
        wanted = normalize_name(commune)
        query = select(
            Establishment.commune,
            Establishment.department_code,
            func.avg(Establishment.latitude),
            func.avg(Establishment.longitude),
        ).group_by(Establishment.commune, Establishment.department_code)
        if department_code:
            query = query.where(Establishment.department_code == department_code)
        matches = [row for row in session.execute(query) if normalize_name(row[0]) == wanted]
        if not matches:
            raise OriginError(f"Commune : « {commune} » ne correspond à aucun établissement connu.")
        departments = sorted({row[1] for row in matches})
        if len(departments) > 1:
            raise OriginError(
                f"Commune : « {commune} » existe dans plusieurs départements ({', '.join(departments)}) ; "
                "précisez le département."
            )
        name, code, lat, lon = matches[0]
        return Origin(float(lat), float(lon), f"{name} ({code})")
    if department_code:
        department = session.get(Department, department_code)
        if department is None:
            raise OriginError(f"Département : code « {department_code} » inconnu.")
        return Origin(department.latitude, department.longitude, f"{department.name} ({department.code})")
    raise OriginError("Point de départ : indiquez un département, une commune, des coordonnées ou un établissement.")


@dataclass(frozen=True)
class BedOffer:
    """One establishment with free beds of the wanted type, its distance, and how fresh its figures are.

    ``reported_at`` is the oldest of its units' latest reports: the sum is only as fresh as its stalest part.
    """

    establishment_id: int
    finess: str | None
    name: str
    commune: str
    department_code: str
    phone: str | None
    latitude: float
    longitude: float
    distance_km: float
    units: int
    open_beds: int
    occupied: int
    free_beds: int
    invasive_available: int
    ecmo_available: int
    reported_at: datetime
    age_hours: float
    stale: bool
    overdue: bool


def _hours(delta_seconds: float) -> float:
    return round(delta_seconds / 3600, 1)


def find_beds(
    session: Session,
    origin: Origin,
    bed_type_code: str,
    *,
    need_invasive: bool = False,
    need_ecmo: bool = False,
    now: datetime | None = None,
    limit: int = 20,
    region_code: str | None = None,
) -> list[BedOffer]:
    """Establishments whose current figures show free beds of that type (and invasive ventilation or ECMO
    available when asked), nearest first. Stale and overdue figures are flagged, not hidden; the origin
    establishment itself is left out (the patient is to be moved elsewhere)."""
    now = now or utcnow()
    free = BedReport.open_beds - BedReport.occupied
    establishment_columns = (
        Establishment.id,
        Establishment.finess,
        Establishment.name,
        Establishment.commune,
        Establishment.department_code,
        Establishment.phone,
        Establishment.latitude,
        Establishment.longitude,
    )
    query = (
        select(
            *establishment_columns,
            func.count(Unit.id).label("units"),
            func.sum(BedReport.open_beds).label("open_beds"),
            func.sum(BedReport.occupied).label("occupied"),
            func.sum(free).label("free_beds"),
            func.sum(BedReport.vent_invasive_available).label("invasive_available"),
            func.sum(BedReport.ecmo_available).label("ecmo_available"),
            func.min(BedReport.reported_at).label("reported_at"),
        )
        .select_from(Unit)
        .join(Establishment, Unit.establishment_id == Establishment.id)
        .join(BedReport, BedReport.id == latest_bed_report_id())
        .where(Unit.bed_type_code == bed_type_code, Unit.active.is_(True), Establishment.active.is_(True))
        .group_by(*establishment_columns)
        .having(func.sum(free) > 0)
    )
    if need_invasive:
        query = query.having(func.sum(BedReport.vent_invasive_available) > 0)
    if need_ecmo:
        query = query.having(func.sum(BedReport.ecmo_available) > 0)
    if origin.establishment_id is not None:
        query = query.where(Establishment.id != origin.establishment_id)
    if region_code is not None:
        query = query.join(Department, Establishment.department_code == Department.code).where(
            Department.region_code == region_code
        )

    offers: list[BedOffer] = []
    for row in session.execute(query).mappings():
        reported_at = _as_utc(row["reported_at"])
        assert reported_at is not None
        age = (now - reported_at).total_seconds() / 3600
        offers.append(BedOffer(
            establishment_id=row["id"],
            finess=row["finess"],
            name=row["name"],
            commune=row["commune"],
            department_code=row["department_code"],
            phone=row["phone"],
            latitude=row["latitude"],
            longitude=row["longitude"],
            distance_km=round(haversine_km(origin.latitude, origin.longitude, row["latitude"], row["longitude"]), 1),
            units=int(row["units"]),
            open_beds=int(row["open_beds"]),
            occupied=int(row["occupied"]),
            free_beds=int(row["free_beds"]),
            invasive_available=int(row["invasive_available"] or 0),
            ecmo_available=int(row["ecmo_available"] or 0),
            reported_at=reported_at,
            age_hours=round(age, 1),
            stale=age > settings.stale_hours,
            overdue=age > settings.overdue_hours,
        ))
    offers.sort(key=lambda offer: (offer.distance_km, -offer.free_beds, offer.name))
    return offers[:limit]


@dataclass(frozen=True)
class OverdueEstablishment:
    """An establishment whose newest bed report is stale (> stale_hours), overdue (> overdue_hours) or missing."""

    establishment_id: int
    finess: str | None
    name: str
    department_code: str
    phone: str | None
    last_report_at: datetime | None
    hours_since: float | None
    level: str  # "never", "overdue" or "stale"


def overdue_establishments(
    session: Session,
    *,
    region_code: str | None = None,
    department_code: str | None = None,
    establishment_ids: set[int] | frozenset[int] | None = None,
    now: datetime | None = None,
) -> list[OverdueEstablishment]:
    """Establishments with active units whose newest report is older than ``settings.stale_hours`` (or that never
    reported), never-reported first, then the longest silent; with the phone number to call."""
    now = now or utcnow()
    stale_cutoff = now - timedelta(hours=settings.stale_hours)
    last_report = func.max(BedReport.reported_at)
    establishment_columns = (
        Establishment.id,
        Establishment.finess,
        Establishment.name,
        Establishment.department_code,
        Establishment.phone,
    )
    query = (
        select(*establishment_columns, last_report.label("last_report_at"))
        .select_from(Unit)
        .join(Establishment, Unit.establishment_id == Establishment.id)
        .outerjoin(BedReport, BedReport.id == latest_bed_report_id())
        .where(Unit.active.is_(True), Establishment.active.is_(True))
        .group_by(*establishment_columns)
        .having(or_(last_report.is_(None), last_report < stale_cutoff))
    )
    if region_code is not None:
        query = query.join(Department, Establishment.department_code == Department.code).where(
            Department.region_code == region_code
        )
    if department_code is not None:
        query = query.where(Establishment.department_code == department_code)
    if establishment_ids is not None:
        query = query.where(Establishment.id.in_(sorted(establishment_ids)))

    result: list[OverdueEstablishment] = []
    for row in session.execute(query).mappings():
        last = _as_utc(row["last_report_at"])
        hours = None if last is None else (now - last).total_seconds() / 3600
        if hours is None:
            level = "never"
        elif hours > settings.overdue_hours:
            level = "overdue"
        else:
            level = "stale"
        result.append(OverdueEstablishment(
            establishment_id=row["id"],
            finess=row["finess"],
            name=row["name"],
            department_code=row["department_code"],
            phone=row["phone"],
            last_report_at=last,
            hours_since=None if hours is None else round(hours, 1),
            level=level,
        ))
    result.sort(key=lambda item: (item.hours_since is not None, -(item.hours_since or 0), item.name))
    return result


def _as_utc(value: datetime | str | None) -> datetime | None:
    """Aggregates (MIN/MAX) bypass the column type on SQLite and come back as text or naive datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def bed_type_labels(session: Session) -> dict[str, str]:
    """Bed type codes and French labels, in display order (for the search form)."""
    rows = session.execute(select(BedType.code, BedType.label).order_by(BedType.sort_order))
    return {code: text for code, text in rows}
