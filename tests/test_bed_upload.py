"""Bulk bed upload: French file conventions, the per-row report, permissions per row, and the all-or-nothing save."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import AuditEvent, BedReport
from services.auth import PermissionDenied
from services.bed_upload import UPLOAD_COLUMNS, column_key, normalize_finess, template_csv, upload_bed_file
from services.beds import create_reporting_link
from settings import settings
from tests.test_bed_reporting import (
    NOW,
    add_report,
    count_audit,
    count_reports,
    make_establishment,
    make_unit,
    make_user,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "beds_upload"


@pytest.fixture
def world(session: Session) -> dict:
    nancy = make_establishment(session, "540000001", "CHRU de Nancy")
    metz = make_establishment(session, "570000001", "CHR Metz-Thionville", "57", latitude=49.12, longitude=6.18)
    units = {
        "rea": make_unit(session, nancy, "Réanimation", "REA_ADULTE"),
        "usc": make_unit(session, nancy, "USC", "USC"),
        "med_a": make_unit(session, nancy, "Médecine A", "MEDECINE", has_ventilators=False),
        "med_b": make_unit(session, nancy, "Médecine B", "MEDECINE", has_ventilators=False),
        "chir": make_unit(session, nancy, "Bloc et chirurgie", "CHIRURGIE", has_ventilators=False),
        "metz_rea": make_unit(session, metz, "Réanimation", "REA_ADULTE"),
    }
    return {
        "nancy": nancy,
        "metz": metz,
        "units": units,
        "reporter": make_user(session, "reporter", establishments=(nancy,)),
        "grand_est": make_user(session, "regional", region_code="44"),
    }


def upload(session: Session, principal, name: str, **kwargs):  # type: ignore[no-untyped-def]
    return upload_bed_file(session, principal, (FIXTURES / name).read_bytes(), name, now=NOW, **kwargs)


def test_good_file_is_saved_with_channel_upload_and_audit(session: Session, world: dict) -> None:
    report = upload(session, world["reporter"], "good.csv")
    assert report.file_error is None and report.rejected == []
    assert report.saved and not report.needs_confirmation
    assert [(row.line, row.unit_name) for row in report.accepted] == [
        (2, "Réanimation"), (3, "USC"), (4, "Médecine A")
    ]
    assert count_reports(session) == 3
    medicine = session.get(BedReport, report.accepted[2].report_id)
    assert medicine is not None
    assert (medicine.installed, medicine.open_beds, medicine.occupied, medicine.occupied_covid) == (30, 28, 25, 10)
    assert medicine.comment == "Afflux aux urgences, 3 transferts"
    assert medicine.channel == "upload" and medicine.author_id == world["reporter"].user_id
    assert medicine.reported_at == NOW
    file_event = session.scalar(select(AuditEvent).where(AuditEvent.action == "beds.upload"))
    assert file_event is not None and json.loads(file_event.detail or "{}")["accepted"] == 3
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "beds.report")) == 3
    assert report.summary() == "3 ligne(s) acceptée(s), 0 ligne(s) rejetée(s) ; enregistré."


def test_bad_rows_are_rejected_with_line_column_rule_valid_rows_saved(session: Session, world: dict) -> None:
    report = upload(session, world["reporter"], "bad-rows.csv")
    assert report.file_error is None and report.saved
    assert [row.line for row in report.accepted] == [2, 7]
    assert report.accepted[1].unit_id == world["units"]["chir"].id  # matched by its bed type, the only one
    rejected = {row.line: (row.errors[0].field, row.errors[0].rule) for row in report.rejected}
    assert rejected == {
        3: ("lits_occupes", "occupied_le_open"),
        4: ("unite", "unit_not_matched"),
        5: ("dont_covid", "non_negative"),
        6: ("lits_occupes", "integer"),
        8: ("unite", "unit_not_matched"),
        9: ("unite", "duplicate"),
        10: ("finess", "required"),
        11: ("type_lit", "unit_not_matched"),
    }
    messages = {row.line: row.errors[0].message for row in report.rejected}
    assert "Lits occupés (11) ne peut pas dépasser Lits ouverts (10)" in messages[3]
    assert "« Pédiatrie 3 » n'existe pas" in messages[4]
    assert "2 unités MEDECINE" in messages[8]
    assert "ligne 2" in messages[9]
    assert count_reports(session) == 2


def test_latin1_semicolon_decimal_commas_and_accented_headers(session: Session, world: dict) -> None:
    report = upload(session, world["grand_est"], "latin1-semicolon.csv")
    assert report.encoding == "cp1252" and report.delimiter == ";"
    assert report.columns["N° FINESS"] == "finess" and report.columns["Lits occupés"] == "lits_occupes"
    assert report.rejected == [] and report.saved
    rea = session.get(BedReport, report.accepted[0].report_id)
    metz = session.get(BedReport, report.accepted[1].report_id)
    assert rea is not None and metz is not None
    assert (rea.installed, rea.occupied, rea.closed_staff, rea.comment) == (20, 12, 3, "Équipe réduite")
    assert (metz.unit_id, metz.open_beds, metz.occupied, metz.vent_invasive_available) == (
        world["units"]["metz_rea"].id, 18, 9, 4
    )


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "vide"),
        (b"\n\n  \n", "vide"),
        (b"finess;unite;lits_installes;lits_ouverts;lits_occupes\n", "aucune ligne"),
        (b"finess;unite;lits_occupes\n540000001;USC;3\n", "lits_installes, lits_ouverts"),
        (b"finess;lits_installes;lits_ouverts;lits_occupes\n540000001;1;1;1\n", "unite ou type_lit"),
        (b"finess;unite;FINESS geo;lits_installes;lits_ouverts;lits_occupes\n", "deux fois"),
        (b"PK\x03\x04 not really a workbook", "XLSX"),
    ],
)
def test_unusable_files_are_refused_whole(session: Session, world: dict, data: bytes, fragment: str) -> None:
    reports, events = count_reports(session), count_audit(session)
    report = upload_bed_file(session, world["reporter"], data, "export.csv", now=NOW)
    assert report.file_error is not None and fragment in report.file_error
    assert not report.saved and report.accepted == [] and report.summary().startswith("Fichier refusé")
    assert (count_reports(session), count_audit(session)) == (reports, events)


def test_huge_file_is_refused_before_reading(session: Session, world: dict) -> None:
    header = (FIXTURES / "good.csv").read_bytes()
    data = header + b"540000001,USC,,12,10,6,2,0,0,2,1,0,0,2,0,0,\n" * (settings.max_upload_bytes // 40)
    assert len(data) > settings.max_upload_bytes
    report = upload_bed_file(session, world["reporter"], data, "huge.csv", now=NOW)
    assert report.file_error is not None and "trop volumineux" in report.file_error
    assert report.rows_read == 0 and count_reports(session) == 0


def test_unknown_finess_row_rejected_other_rows_saved(session: Session, world: dict) -> None:
    report = upload(session, world["reporter"], "unknown-finess.csv")
    assert [(row.line, row.errors[0].rule) for row in report.rejected] == [(2, "unknown_finess")]
    assert "999999999" in report.rejected[0].errors[0].message
    assert [row.line for row in report.accepted] == [3] and count_reports(session) == 1


def test_rows_outside_the_principal_scope_are_rejected_with_the_reason(session: Session, world: dict) -> None:
    # The reporter of Nancy sends a file that also holds Metz's figures.
    report = upload(session, world["reporter"], "latin1-semicolon.csv")
    assert [row.line for row in report.accepted] == [2]
    assert [(row.line, row.errors[0].rule) for row in report.rejected] == [(3, "forbidden")]
    assert "votre établissement" in report.rejected[0].errors[0].message
    assert count_reports(session) == 1

    idf = make_user(session, "regional", region_code="11")
    national = make_user(session, "national")
    for principal in (idf, national):
        reports, events = count_reports(session), count_audit(session)
        refused = upload(session, principal, "good.csv")
        assert refused.accepted == [] and len(refused.rejected) == 3 and not refused.saved
        assert {row.errors[0].rule for row in refused.rejected} == {"forbidden"}
        assert (count_reports(session), count_audit(session)) == (reports, events)
    with pytest.raises(PermissionDenied):
        upload(session, None, "good.csv")


def test_unit_link_upload_only_writes_its_unit(session: Session, world: dict) -> None:
    from services.auth import resolve_link

    admin = make_user(session, "admin")
    _, token = create_reporting_link(session, admin, world["nancy"].id, "Réa", unit_id=world["units"]["rea"].id,
                                     now=NOW)
    _, principal = resolve_link(session, token, now=NOW)
    report = upload(session, principal, "good.csv")
    assert [row.line for row in report.accepted] == [2]
    assert [row.line for row in report.rejected] == [3, 4]
    saved = session.get(BedReport, report.accepted[0].report_id)
    assert saved is not None and saved.reporting_link_id == principal.link_id


def test_jumps_need_confirmation_before_anything_is_saved(session: Session, world: dict) -> None:
    add_report(session, world["units"]["med_a"], NOW - timedelta(hours=8), installed=30, open_beds=28, occupied=5,
               occupied_covid=0, closed_staff=0, closed_equipment=0, vent_invasive_used=0,
               vent_invasive_available=0, vent_noninvasive_used=0, vent_noninvasive_available=0)
    reports = count_reports(session)
    first = upload(session, world["reporter"], "good.csv")
    assert first.needs_confirmation and not first.saved
    assert count_reports(session) == reports
    flagged = [row for row in first.accepted if row.warnings]
    assert [row.line for row in flagged] == [4]
    assert [w.field for w in flagged[0].warnings] == ["lits_occupes"]
    assert "confirmation" in first.summary()

    second = upload(session, world["reporter"], "good.csv", confirm=True)
    assert second.saved and count_reports(session) == reports + 3


def test_xlsx_export_is_read(session: Session, world: dict) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["FINESS", "Unité", "Lits installés", "Lits ouverts", "Lits occupés", "dont COVID", "Autre"])
    sheet.append([540000001, "USC", 12, 10, 6.0, 2, "ignoré"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = upload_bed_file(session, world["reporter"], buffer.getvalue(), "export.xlsx", now=NOW)
    assert report.rejected == [] and report.saved and report.ignored_columns == ["Autre"]
    saved = session.get(BedReport, report.accepted[0].report_id)
    assert saved is not None and (saved.unit_id, saved.occupied) == (world["units"]["usc"].id, 6)


def test_finess_and_header_normalisation() -> None:
    assert normalize_finess("01 000 002 4") == "010000024"
    assert normalize_finess("10000024") == "010000024"  # a spreadsheet dropped the leading zero
    assert normalize_finess("2A0000011") == "2A0000011"
    assert column_key(" Lits  occupés ") == "lits_occupes" and column_key("UNITÉ") == "unite"
    assert template_csv().split(";")[:3] == ["finess", "unite", "type_lit"]
    assert len(UPLOAD_COLUMNS) == 17
