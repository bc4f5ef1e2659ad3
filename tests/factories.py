"""Small builders for test data: establishments, units, bed reports and users with a role and scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy.orm import Session

from data_access.models import BedReport, Establishment, Unit, User
from services.auth import Principal, principal_for_user

_sequence = count(1)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
# Hashing with argon2 is slow on purpose; tests share one precomputed hash of TEST_PASSWORD.
TEST_PASSWORD = "correct horse battery"
_HASH: list[str] = []


def password_hash() -> str:
    if not _HASH:
        from services.auth import hash_password

        _HASH.append(hash_password(TEST_PASSWORD))
    return _HASH[0]


def establishment(
    session: Session,
    department_code: str = "54",
    *,
    name: str | None = None,
    kind: str = "CH",
    latitude: float = 48.69,
    longitude: float = 6.18,
    phone: str = "03 83 00 00 00",
) -> Establishment:
    number = next(_sequence)
    prefix = department_code if len(department_code) == 2 else department_code[:3]
    item = Establishment(
        finess=f"{prefix}{number:0{9 - len(prefix)}d}",
        name=name or f"CH test {number}",
        kind=kind,
        department_code=department_code,
        commune="Commune test",
        latitude=latitude,
        longitude=longitude,
        phone=phone,
    )
    session.add(item)
    session.flush()
    return item


def unit(
    session: Session,
    establishment_: Establishment,
    bed_type: str = "REA_ADULTE",
    *,
    baseline_beds: int = 10,
    name: str | None = None,
) -> Unit:
    item = Unit(
        establishment_id=establishment_.id,
        name=name or f"Unité {bed_type}",
        bed_type_code=bed_type,
        baseline_beds=baseline_beds,
        has_ventilators=bed_type.startswith("REA"),
        has_ecmo=False,
    )
    session.add(item)
    session.flush()
    return item


def bed_report(
    session: Session,
    unit_: Unit,
    *,
    reported_at: datetime = NOW,
    open_beds: int = 20,
    occupied: int = 10,
    occupied_covid: int | None = None,
    installed: int | None = None,
    supersedes_id: int | None = None,
) -> BedReport:
    item = BedReport(
        unit_id=unit_.id,
        reported_at=reported_at,
        channel="form",
        installed=installed or open_beds,
        open_beds=open_beds,
        occupied=occupied,
        occupied_covid=min(2, occupied) if occupied_covid is None else occupied_covid,
        supersedes_id=supersedes_id,
    )
    session.add(item)
    session.flush()
    return item


def user(
    session: Session,
    role: str,
    *,
    region_code: str | None = None,
    establishments: list[Establishment] | None = None,
    departments: list[str] | None = None,
    email: str | None = None,
) -> User:
    from data_access.models import Department

    item = User(
        email=email or f"user{next(_sequence)}@test.fr",
        display_name=f"Test {role}",
        password_hash=password_hash(),
        role=role,
        region_code=region_code,
        establishments=establishments or [],
        departments=[session.get(Department, code) for code in departments or []],
    )
    session.add(item)
    session.flush()
    return item


def principal(session: Session, role: str, **scope) -> Principal:  # type: ignore[no-untyped-def]
    return principal_for_user(user(session, role, **scope))


def hours_ago(hours: float, now: datetime = NOW) -> datetime:
    return now - timedelta(hours=hours)
