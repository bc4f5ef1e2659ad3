"""Bed reports: server-side validation, the jump confirmation, role checks and corrections, on both databases.

The small builders at the top are reused by the other bed test modules.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import AuditEvent, BedReport, Establishment, Unit, User
from data_access.queries.beds_directory import latest_bed_report_ids, latest_reports_for_units
from services.auth import PermissionDenied, Principal
from services.beds import (
    FIELD_LABELS,
    correct_bed_report,
    submit_bed_report,
    validate_bed_report,
)
from settings import settings

NOW = datetime(2020, 11, 2, 10, 0, tzinfo=UTC)


def make_establishment(
    session: Session,
    finess: str,
    name: str,
    department_code: str = "54",
    *,
    latitude: float = 48.6921,
    longitude: float = 6.1844,
    commune: str = "Nancy",
    phone: str | None = "03 83 00 00 00",
) -> Establishment:
    establishment = Establishment(
        finess=finess, name=name, kind="CH", department_code=department_code, commune=commune,
        latitude=latitude, longitude=longitude, phone=phone,
    )
    session.add(establishment)
    session.flush()
    return establishment


def make_unit(
    session: Session,
    establishment: Establishment,
    name: str = "Réanimation",
    bed_type_code: str = "REA_ADULTE",
    *,
    has_ecmo: bool = False,
    has_ventilators: bool = True,
) -> Unit:
    unit = Unit(
        establishment_id=establishment.id, name=name, bed_type_code=bed_type_code, baseline_beds=10,
        has_ventilators=has_ventilators, has_ecmo=has_ecmo,
    )
    session.add(unit)
    session.flush()
    return unit


def make_user(
    session: Session, role: str, *, region_code: str | None = None, establishments: tuple[Establishment, ...] = ()
) -> Principal:
    count = session.scalar(select(func.count(User.id))) or 0
    user = User(
        email=f"{role}{count}@example.fr", display_name=f"{role} {count}", password_hash="x", role=role,
        region_code=region_code,
    )
    user.establishments = list(establishments)
    session.add(user)
    session.flush()
    return Principal(
        role=role, user_id=user.id, display_name=user.display_name, region_code=region_code,
        establishment_ids=frozenset(e.id for e in establishments),
    )


def figures(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "installed": 20, "open_beds": 16, "occupied": 12, "occupied_covid": 5,
        "vent_invasive_used": 4, "vent_invasive_available": 2,
        "vent_noninvasive_used": 1, "vent_noninvasive_available": 1,
        "ecmo_used": 0, "ecmo_available": 0,
        "closed_staff": 3, "closed_equipment": 1, "closed_supplies": 0,
    }
    values.update(overrides)
    return values


def add_report(session: Session, unit: Unit, at: datetime, **overrides: object) -> BedReport:
    """A stored report written directly (history set-up), bypassing the service."""
    report = BedReport(unit_id=unit.id, reported_at=at, recorded_at=at, channel="form", **figures(**overrides))
    session.add(report)
    session.flush()
    return report


def count_reports(session: Session) -> int:
    return session.scalar(select(func.count(BedReport.id))) or 0


def count_audit(session: Session) -> int:
    return session.scalar(select(func.count(AuditEvent.id))) or 0


@pytest.fixture
def nancy(session: Session) -> tuple[Establishment, Unit, Principal]:
    establishment = make_establishment(session, "540000001", "CHRU de Nancy")
    unit = make_unit(session, establishment)
    return establishment, unit, make_user(session, "reporter", establishments=(establishment,))


def test_valid_report_is_saved_with_author_channel_and_audit(session: Session, nancy) -> None:
    _, unit, reporter = nancy
    result = submit_bed_report(session, reporter, unit.id, figures(), now=NOW, remote_addr="10.0.0.1")
    assert result.errors == [] and result.saved is not None
    saved = session.get(BedReport, result.saved.id)
    assert saved is not None
    assert (saved.occupied, saved.open_beds, saved.occupied_covid) == (12, 16, 5)
    assert saved.reported_at == NOW and saved.channel == "form" and saved.author_id == reporter.user_id
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.entity == "bed_report", AuditEvent.entity_id == str(saved.id))
    )
    assert event is not None and event.action == "beds.report" and event.remote_addr == "10.0.0.1"
    assert json.loads(event.detail or "{}")["values"]["occupied"] == 12


def test_text_numbers_with_decimal_comma_and_blank_optional_fields(session: Session, nancy) -> None:
    _, unit, reporter = nancy
    values = figures(occupied="12,0", open_beds="16", closed_staff="", closed_equipment=None, closed_supplies=None)
    result = submit_bed_report(session, reporter, unit.id, values, now=NOW)
    assert result.saved is not None
    assert (result.saved.occupied, result.saved.closed_staff) == (12, 0)


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"installed": -1}, "installed", "positif ou nul"),
        ({"occupied": "douze"}, "occupied", "n'est pas un nombre entier"),
        ({"occupied": "12,5"}, "occupied", "n'est pas un nombre entier"),
        ({"occupied": 12.5}, "occupied", "n'est pas un nombre entier"),
        ({"occupied": True}, "occupied", "n'est pas un nombre entier"),
        ({"open_beds": None}, "open_beds", "obligatoire"),
        ({"open_beds": 22, "closed_staff": 0, "closed_equipment": 0}, "open_beds", "dépasser Lits installés"),
        ({"occupied": 17}, "occupied", "ne peut pas dépasser Lits ouverts"),
        ({"occupied_covid": 13}, "occupied_covid", "ne peut pas dépasser Lits occupés"),
        ({"vent_invasive_used": 10, "vent_noninvasive_used": 3}, "vent_invasive_used", "un patient ventilé"),
        ({"ecmo_used": 1}, "ecmo_used", "n'a pas d'ECMO"),
        ({"ecmo_available": 2}, "ecmo_available", "n'a pas d'ECMO"),
        ({"closed_staff": 4, "closed_equipment": 1}, "closed_staff", "Lits fermés (total 5)"),
        ({"comment": "x" * 501}, "comment", "500 caractères"),
    ],
)
def test_each_hard_rule_blocks_and_names_the_field(
    session: Session, nancy, overrides: dict[str, object], field: str, fragment: str
) -> None:
    _, unit, reporter = nancy
    reports, events = count_reports(session), count_audit(session)
    result = submit_bed_report(session, reporter, unit.id, figures(**overrides), now=NOW, confirm=True)
    assert result.saved is None
    assert [error.field for error in result.errors] == [field]
    assert fragment in result.errors[0].message
    assert FIELD_LABELS[field] in result.errors[0].message or field == "closed_staff"
    assert (count_reports(session), count_audit(session)) == (reports, events)


def test_ecmo_values_accepted_on_an_ecmo_unit(session: Session, nancy) -> None:
    establishment, _, reporter = nancy
    ecmo_unit = make_unit(session, establishment, "Réa ECMO", has_ecmo=True)
    result = submit_bed_report(session, reporter, ecmo_unit.id, figures(ecmo_used=1, ecmo_available=2), now=NOW)
    assert result.saved is not None and result.saved.ecmo_available == 2


def test_jump_asks_for_confirmation_then_saves(session: Session, nancy) -> None:
    _, unit, reporter = nancy
    add_report(session, unit, NOW - timedelta(hours=8), installed=60, open_beds=50, occupied=12, closed_staff=0,
               closed_equipment=0)
    limit = settings.bed_jump_confirm
    within = submit_bed_report(
        session, reporter, unit.id,
        figures(installed=60, open_beds=50, occupied=12 + limit, closed_staff=0, closed_equipment=0),
        now=NOW - timedelta(hours=4),
    )
    assert within.saved is not None and within.warnings == []

    reports = count_reports(session)
    jump = figures(installed=60, open_beds=50, occupied=13 + 2 * limit, closed_staff=0, closed_equipment=0)
    asked = submit_bed_report(session, reporter, unit.id, jump, now=NOW)
    assert asked.saved is None and asked.errors == [] and asked.needs_confirmation
    assert [w.field for w in asked.warnings] == ["occupied"]
    assert f"passe de {12 + limit} à {13 + 2 * limit}" in asked.warnings[0].message
    assert count_reports(session) == reports

    confirmed = submit_bed_report(session, reporter, unit.id, jump, now=NOW, confirm=True)
    assert confirmed.saved is not None and not confirmed.needs_confirmation
    assert count_reports(session) == reports + 1


def test_validate_is_pure_and_reports_all_errors_at_once(session: Session, nancy) -> None:
    _, unit, _ = nancy
    result = validate_bed_report(figures(installed=-3, occupied="x"), unit, None)
    assert {e.field for e in result.errors} == {"installed", "occupied"}
    assert not result.ok and result.values == {}


def test_unknown_unit_is_an_error_not_a_crash(session: Session, nancy) -> None:
    _, _, reporter = nancy
    result = submit_bed_report(session, reporter, 999_999, figures(), now=NOW)
    assert result.saved is None and result.errors[0].field == "unit_id"


def test_roles_and_scopes_refused_writes_change_nothing(session: Session, nancy) -> None:
    _, unit, reporter = nancy  # Nancy, department 54, region Grand Est (44)
    marseille = make_establishment(session, "130000001", "AP-HM", "13", latitude=43.29, longitude=5.40)
    marseille_unit = make_unit(session, marseille)
    other_reporter = make_user(session, "reporter", establishments=(marseille,))
    grand_est = make_user(session, "regional", region_code="44")
    paca = make_user(session, "regional", region_code="93")
    national = make_user(session, "national")
    admin = make_user(session, "admin")

    refused = [
        (other_reporter, unit.id),
        (reporter, marseille_unit.id),
        (grand_est, marseille_unit.id),
        (paca, unit.id),
        (national, unit.id),
        (None, unit.id),
    ]
    reports, events = count_reports(session), count_audit(session)
    for principal, unit_id in refused:
        with pytest.raises(PermissionDenied):
            submit_bed_report(session, principal, unit_id, figures(), now=NOW)
    assert (count_reports(session), count_audit(session)) == (reports, events)

    for principal, unit_id in [(grand_est, unit.id), (paca, marseille_unit.id), (admin, unit.id)]:
        assert submit_bed_report(session, principal, unit_id, figures(), now=NOW).saved is not None
    assert count_reports(session) == reports + 3


def test_correction_within_window_keeps_both_versions(session: Session, nancy) -> None:
    _, unit, reporter = nancy
    original = submit_bed_report(session, reporter, unit.id, figures(), now=NOW).saved
    assert original is not None
    later = NOW + timedelta(days=settings.correction_days - 1)
    result = correct_bed_report(session, reporter, original.id, {"occupied": 14, "occupied_covid": 6}, now=later)
    correction = result.saved
    assert result.errors == [] and correction is not None

    assert count_reports(session) == 2
    assert session.get(BedReport, original.id).occupied == 12  # type: ignore[union-attr]
    assert correction.supersedes_id == original.id
    assert correction.reported_at == original.reported_at and correction.recorded_at == later
    assert (correction.occupied, correction.occupied_covid, correction.open_beds) == (14, 6, 16)

    assert latest_reports_for_units(session, [unit.id])[unit.id].id == correction.id
    latest = session.execute(latest_bed_report_ids().where(Unit.id == unit.id)).one()
    assert latest.report_id == correction.id

    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "beds.correct"))
    assert event is not None and event.user_id == reporter.user_id and event.channel == "form"
    detail = json.loads(event.detail or "{}")
    assert detail["supersedes_id"] == original.id
    assert detail["changes"] == {"occupied": {"before": 12, "after": 14}, "occupied_covid": {"before": 5, "after": 6}}


def test_correction_refusals_write_nothing(session: Session, nancy) -> None:
    _, unit, reporter = nancy
    original = submit_bed_report(session, reporter, unit.id, figures(), now=NOW).saved
    assert original is not None
    too_late = NOW + timedelta(days=settings.correction_days, minutes=1)
    reports, events = count_reports(session), count_audit(session)

    late = correct_bed_report(session, reporter, original.id, {"occupied": 14}, now=too_late)
    assert late.saved is None and late.errors[0].rule == "correction_window"
    assert "14 jours" in late.errors[0].message

    invalid = correct_bed_report(session, reporter, original.id, {"occupied": 40}, now=NOW)
    assert invalid.saved is None and invalid.errors[0].field == "occupied"

    unchanged = correct_bed_report(session, reporter, original.id, {"occupied": 12}, now=NOW)
    assert unchanged.errors[0].rule == "no_change"

    stranger = make_user(session, "reporter", establishments=(make_establishment(session, "570000001", "CHR Metz",
                                                                                 "57"),))
    with pytest.raises(PermissionDenied):
        correct_bed_report(session, stranger, original.id, {"occupied": 14}, now=NOW)
    assert (count_reports(session), count_audit(session)) == (reports, events)

    first = correct_bed_report(session, reporter, original.id, {"occupied": 14}, now=NOW + timedelta(hours=1))
    assert first.saved is not None
    again = correct_bed_report(session, reporter, original.id, {"occupied": 15}, now=NOW + timedelta(hours=2))
    assert again.saved is None and again.errors[0].rule == "already_superseded"
    chained = correct_bed_report(session, reporter, first.saved.id, {"occupied": 15}, now=NOW + timedelta(hours=2))
    assert chained.saved is not None and chained.saved.supersedes_id == first.saved.id
    assert chained.saved.reported_at == NOW


def test_correcting_an_older_report_does_not_hide_a_newer_one(session: Session, nancy) -> None:
    _, unit, reporter = nancy
    morning = add_report(session, unit, NOW - timedelta(hours=6))
    noon = add_report(session, unit, NOW, occupied=10)
    fixed = correct_bed_report(session, reporter, morning.id, {"occupied": 11}, now=NOW + timedelta(hours=1))
    assert fixed.saved is not None
    assert latest_reports_for_units(session, [unit.id])[unit.id].id == noon.id
    as_of = session.execute(latest_bed_report_ids(as_of=NOW - timedelta(hours=1)).where(Unit.id == unit.id)).one()
    assert as_of.report_id == fixed.saved.id


def test_establishment_batch_is_all_or_nothing(session: Session) -> None:
    from data_access.models import BedReport
    from services.beds import submit_establishment_reports
    from tests import factories as f

    hospital = f.establishment(session, "54")
    icu = f.unit(session, hospital, "REA_ADULTE")
    ward = f.unit(session, hospital, "MEDECINE")
    reporter = f.principal(session, "reporter", establishments=[hospital])
    before = session.scalar(select(func.count(BedReport.id)))
    good = {"installed": 20, "open_beds": 20, "occupied": 10, "occupied_covid": 2}
    bad = {"installed": 20, "open_beds": 20, "occupied": 25, "occupied_covid": 2}

    refused = submit_establishment_reports(session, reporter, {icu.id: good, ward.id: bad})
    assert refused.saved == []
    assert [error.rule for error in refused.errors[ward.id]] == ["occupied_le_open"]
    assert session.scalar(select(func.count(BedReport.id))) == before

    accepted = submit_establishment_reports(session, reporter, {icu.id: good, ward.id: good})
    assert len(accepted.saved) == 2
    assert session.scalar(select(func.count(BedReport.id))) == before + 2

    jump = {"installed": 60, "open_beds": 60, "occupied": 50, "occupied_covid": 2}
    pending = submit_establishment_reports(session, reporter, {icu.id: jump, ward.id: good})
    assert pending.needs_confirmation
    assert session.scalar(select(func.count(BedReport.id))) == before + 2
    confirmed = submit_establishment_reports(session, reporter, {icu.id: jump, ward.id: good}, confirm=True)
    assert len(confirmed.saved) == 2


def test_absurd_bed_count_is_a_message_not_a_server_error(session: Session) -> None:
    from services.beds import MAX_BEDS, submit_bed_report
    from tests import factories as f

    hospital = f.establishment(session, "54")
    icu = f.unit(session, hospital, "REA_ADULTE")
    reporter = f.principal(session, "reporter", establishments=[hospital])
    before = session.scalar(select(func.count(BedReport.id)))
    huge = 3_000_000_000  # beyond a 32-bit integer column: must never reach the database
    result = submit_bed_report(
        session, reporter, icu.id, {"installed": huge, "open_beds": huge, "occupied": huge, "occupied_covid": 0}
    )
    assert result.saved is None
    assert {error.rule for error in result.errors} == {"max_value"}
    assert all(f"{MAX_BEDS:,}".replace(",", "\u202f") in error.message for error in result.errors)
    assert session.scalar(select(func.count(BedReport.id))) == before
