"""Contact-tracing input: validation rules, scope refusals, versioning and the file upload, on both databases.

The small builders at the top are reused by the other tracing test modules.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import AuditEvent, Department, TracingDaily, User
from data_access.queries.tracing import latest_version, tracing_history
from services.auth import PermissionDenied, Principal, principal_for_user
from services.tracing import (
    FORM_MAX_AGE_DAYS,
    TRACING_LABELS,
    UPLOAD_COLUMNS,
    is_personal_header,
    local_today,
    normalize_department_code,
    submit_tracing_day,
    template_csv,
    upload_tracing_file,
    validate_tracing,
)
from settings import settings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tracing"
# 10:00 in Paris: "today" is 10 November 2020 in metropolitan France.
NOW = datetime(2020, 11, 10, 9, 0, tzinfo=UTC)
DAY = date(2020, 11, 9)
GOOD = {
    "new_cases": 120,
    "index_reached_4h": 90,
    "contacts_identified": 300,
    "contacts_reached_24h": 250,
    "cases_known_as_contacts": 30,
    "contacts_per_case_median": 2.5,
}


def make_principal(
    session: Session, role: str, *, departments: tuple[str, ...] = (), region_code: str | None = None
) -> Principal:
    count = session.scalar(select(func.count(User.id))) or 0
    user = User(
        email=f"{role}{count}@tracing.test", display_name=f"{role} {count}", password_hash="x", role=role,
        region_code=region_code,
    )
    user.departments = [department for code in departments if (department := session.get(Department, code))]
    session.add(user)
    session.flush()
    return principal_for_user(user)


def count_rows(session: Session) -> int:
    return session.scalar(select(func.count(TracingDaily.id))) or 0


def count_audit(session: Session, action: str | None = None) -> int:
    query = select(func.count(AuditEvent.id))
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return session.scalar(query) or 0


@pytest.fixture
def platform(session: Session) -> Principal:
    """A tracing platform for Meurthe-et-Moselle and Moselle."""
    return make_principal(session, "tracing", departments=("54", "57"))


# --- Validation -------------------------------------------------------------------------------------------------


def test_valid_values_parse_text_with_decimal_comma() -> None:
    result = validate_tracing(
        {**{name: str(value) for name, value in GOOD.items()}, "contacts_per_case_median": "2,5", "day": "09/11/2020"},
        today=date(2020, 11, 10),
    )
    assert result.ok
    assert result.values == GOOD
    assert result.day == DAY


@pytest.mark.parametrize(
    ("changes", "field", "rule", "fragment"),
    [
        ({"index_reached_4h": 121}, "index_reached_4h", "index_reached_le_new_cases",
         "Cas index joints en moins de 4 h (121) ne peut pas dépasser Nouveaux cas (120)"),
        ({"contacts_reached_24h": 301}, "contacts_reached_24h", "contacts_reached_le_identified",
         "Contacts joints en moins de 24 h (301) ne peut pas dépasser Contacts identifiés (300)"),
        ({"cases_known_as_contacts": 121}, "cases_known_as_contacts", "known_le_new_cases",
         "Nouveaux cas déjà connus comme contacts (121) ne peut pas dépasser Nouveaux cas (120)"),
        ({"new_cases": -1, "index_reached_4h": 0, "cases_known_as_contacts": 0}, "new_cases", "non_negative",
         "Nouveaux cas : doit être positif ou nul (reçu -1)"),
        ({"contacts_identified": "douze"}, "contacts_identified", "integer",
         "Contacts identifiés : « douze » n'est pas un nombre entier"),
        ({"new_cases": 12.5}, "new_cases", "integer", "Nouveaux cas : « 12.5 » n'est pas un nombre entier"),
        ({"new_cases": True}, "new_cases", "integer", "n'est pas un nombre entier"),
        ({"contacts_identified": 5_000_000, "contacts_reached_24h": 0}, "contacts_identified", "max_value",
         "dépasse le maximum plausible"),
        ({"new_cases": ""}, "new_cases", "required", "Nouveaux cas : valeur obligatoire"),
        ({"cases_known_as_contacts": None}, "cases_known_as_contacts", "required", "valeur obligatoire"),
        ({"contacts_per_case_median": -0.5}, "contacts_per_case_median", "non_negative",
         "Contacts par cas (médiane) : doit être positive ou nulle"),
        ({"contacts_per_case_median": "beaucoup"}, "contacts_per_case_median", "number", "n'est pas un nombre"),
        ({"contacts_per_case_median": "inf"}, "contacts_per_case_median", "number", "n'est pas un nombre"),
        ({"contacts_per_case_median": 301}, "contacts_per_case_median", "median_le_contacts",
         "ne peut pas dépasser Contacts identifiés (300)"),
        ({"new_cases": 0, "index_reached_4h": 0, "cases_known_as_contacts": 0}, "contacts_per_case_median",
         "median_without_cases", "sans nouveau cas"),
        ({"day": date(2020, 11, 11)}, "day", "future_day", "Jour : le 11/11/2020 est dans le futur"),
        ({"day": date(2020, 11, 10) - timedelta(days=FORM_MAX_AGE_DAYS + 1)}, "day", "too_old",
         f"antérieur de plus de {FORM_MAX_AGE_DAYS} jours"),
        ({"day": "2020-13-01"}, "day", "date", "« 2020-13-01 » n'est pas une date valide"),
        ({"day": "lundi"}, "day", "date", "attendu AAAA-MM-JJ ou JJ/MM/AAAA"),
        ({"day": ""}, "day", "required", "Jour : date obligatoire"),
    ],
)
def test_each_rule_is_refused_with_its_message(changes: dict, field: str, rule: str, fragment: str) -> None:
    result = validate_tracing({**GOOD, "day": DAY, **changes}, today=date(2020, 11, 10))
    assert not result.ok
    assert [(error.field, error.rule) for error in result.errors] == [(field, rule)]
    assert fragment in result.errors[0].message
    assert result.values == {}


def test_limits_are_inclusive() -> None:
    oldest = date(2020, 11, 10) - timedelta(days=FORM_MAX_AGE_DAYS)
    equal = {**GOOD, "index_reached_4h": 120, "cases_known_as_contacts": 120, "contacts_reached_24h": 300,
             "contacts_per_case_median": 300}
    assert validate_tracing({**equal, "day": date(2020, 11, 10)}, today=date(2020, 11, 10)).ok
    assert validate_tracing({**GOOD, "day": oldest}, today=date(2020, 11, 10)).ok
    zero = {name: 0 for name in GOOD} | {"contacts_per_case_median": None}
    assert validate_tracing(zero).ok


def test_every_broken_rule_is_reported_at_once() -> None:
    result = validate_tracing(
        {**GOOD, "index_reached_4h": 200, "contacts_reached_24h": 400, "cases_known_as_contacts": 150},
    )
    assert {error.rule for error in result.errors} == {
        "index_reached_le_new_cases", "contacts_reached_le_identified", "known_le_new_cases"
    }


def test_labels_are_french_and_cover_every_field() -> None:
    assert set(GOOD) <= set(TRACING_LABELS)
    assert TRACING_LABELS["contacts_reached_24h"] == "Contacts joints en moins de 24 h"


def test_today_is_the_department_local_day() -> None:
    late_evening = datetime(2020, 11, 9, 22, 30, tzinfo=UTC)
    assert local_today("54", late_evening) == date(2020, 11, 9)  # 23:30 in Paris
    assert local_today("974", late_evening) == date(2020, 11, 10)  # 02:30 in La Réunion
    assert local_today("971", datetime(2020, 11, 10, 2, 0, tzinfo=UTC)) == date(2020, 11, 9)


def test_department_codes_are_normalised() -> None:
    assert [normalize_department_code(raw) for raw in ("1", " 2a ", "971", "54")] == ["01", "2A", "971", "54"]


# --- Submitting, scope and versions -----------------------------------------------------------------------------


def test_submit_saves_a_version_with_author_channel_and_audit(session: Session, platform: Principal) -> None:
    result = submit_tracing_day(session, platform, "54", DAY, GOOD, now=NOW, remote_addr="10.0.0.1")
    assert result.errors == [] and result.saved is not None and result.superseded is None
    saved = session.get(TracingDaily, result.saved.id)
    assert saved is not None
    assert (saved.department_code, saved.day, saved.new_cases, saved.contacts_per_case_median) == ("54", DAY, 120, 2.5)
    assert (saved.channel, saved.author_id, saved.reported_at, saved.supersedes_id) == (
        "form", platform.user_id, NOW, None
    )
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "tracing.report"))
    assert event is not None
    assert (event.entity, event.entity_id, event.user_id, event.channel, event.remote_addr) == (
        "tracing_daily", str(saved.id), platform.user_id, "form", "10.0.0.1"
    )
    detail = json.loads(event.detail or "{}")
    assert detail["department_code"] == "54" and detail["day"] == "2020-11-09"
    assert detail["values"]["new_cases"] == 120 and detail["supersedes_id"] is None


def test_second_submission_supersedes_and_history_shows_the_latest(session: Session, platform: Principal) -> None:
    first = submit_tracing_day(session, platform, "54", DAY, GOOD, now=NOW).saved
    assert first is not None
    later = NOW + timedelta(hours=2)
    second = submit_tracing_day(
        session, platform, "54", "2020-11-09", {**GOOD, "new_cases": 130, "index_reached_4h": 95},
        now=later, channel="api",
    )
    assert second.saved is not None and second.superseded is not None
    assert second.saved.supersedes_id == first.id and second.superseded.id == first.id
    assert second.changes == {"new_cases": {"before": 120, "after": 130},
                              "index_reached_4h": {"before": 90, "after": 95}}
    assert count_rows(session) == 2  # the first version is kept
    assert session.get(TracingDaily, first.id).new_cases == 120  # type: ignore[union-attr]
    latest = latest_version(session, "54", DAY)
    assert latest is not None and latest.id == second.saved.id

    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tracing.report").order_by(AuditEvent.id)
    ).all()
    assert len(events) == 2
    assert events[1].channel == "api"
    assert json.loads(events[1].detail or "{}")["changes"]["new_cases"] == {"before": 120, "after": 130}

    history = tracing_history(session, "54", now=later + timedelta(hours=1))
    assert len(history) == 1
    row = history.iloc[0]
    assert row["id"] == second.saved.id and row["new_cases"] == 130 and row["versions"] == 2
    assert row["age_hours"] == pytest.approx(1.0)
    assert row["channel"] == "api" and row["author_name"] == platform.display_name
    assert row["pct_index_reached_4h"] == pytest.approx(95 / 130 * 100)


def test_identical_resubmission_is_refused_and_writes_nothing(session: Session, platform: Principal) -> None:
    assert submit_tracing_day(session, platform, "54", DAY, GOOD, now=NOW).saved is not None
    again = submit_tracing_day(session, platform, "54", DAY, GOOD, now=NOW + timedelta(hours=1))
    assert again.saved is None and [error.rule for error in again.errors] == ["no_change"]
    assert count_rows(session) == 1 and count_audit(session) == 1


def test_invalid_submission_writes_nothing(session: Session, platform: Principal) -> None:
    result = submit_tracing_day(session, platform, "54", DAY, {**GOOD, "index_reached_4h": 500}, now=NOW)
    assert result.saved is None and result.errors[0].rule == "index_reached_le_new_cases"
    future = submit_tracing_day(session, platform, "54", date(2020, 11, 11), GOOD, now=NOW)
    assert future.errors[0].rule == "future_day"
    unknown = submit_tracing_day(session, platform, "99", DAY, GOOD, now=NOW)
    assert unknown.errors[0].rule == "unknown_department"
    assert count_rows(session) == 0 and count_audit(session) == 0


def test_overseas_today_is_used_for_the_future_rule(session: Session) -> None:
    admin = make_principal(session, "admin")
    late_evening = datetime(2020, 11, 9, 22, 30, tzinfo=UTC)
    assert submit_tracing_day(session, admin, "974", date(2020, 11, 10), GOOD, now=late_evening).saved is not None
    refused = submit_tracing_day(session, admin, "54", date(2020, 11, 10), GOOD, now=late_evening)
    assert refused.errors[0].rule == "future_day"


@pytest.mark.parametrize(
    ("role", "scope", "department", "message"),
    [
        ("tracing", {"departments": ("54", "57")}, "88", "Hors des départements de votre plateforme."),
        ("tracing", {"departments": ()}, "54", "Hors des départements de votre plateforme."),
        ("regional", {"region_code": "93"}, "54", "Hors du périmètre de votre région."),
        ("national", {}, "54", "Le rôle « Cellule nationale » ne permet pas cette action."),
        ("reporter", {}, "54", "Le rôle « Établissement (déclarant) » ne permet pas cette action."),
    ],
)
def test_refused_principals_write_nothing(
    session: Session, role: str, scope: dict, department: str, message: str
) -> None:
    principal = make_principal(session, role, **scope)
    with pytest.raises(PermissionDenied, match=re.escape(message)):
        submit_tracing_day(session, principal, department, DAY, GOOD, now=NOW)
    assert count_rows(session) == 0 and count_audit(session) == 0


def test_no_principal_is_refused(session: Session) -> None:
    with pytest.raises(PermissionDenied, match="Connexion requise"):
        submit_tracing_day(session, None, "54", DAY, GOOD, now=NOW)
    assert count_rows(session) == 0


def test_regional_cell_and_admin_may_write(session: Session) -> None:
    grand_est = make_principal(session, "regional", region_code="44")
    assert submit_tracing_day(session, grand_est, "88", DAY, GOOD, now=NOW).saved is not None
    admin = make_principal(session, "admin")
    assert submit_tracing_day(session, admin, "13", DAY, GOOD, now=NOW).saved is not None
    assert count_rows(session) == 2


# --- Upload -----------------------------------------------------------------------------------------------------


def upload(session: Session, principal: Principal, name: str, **kwargs):  # type: ignore[no-untyped-def]
    return upload_tracing_file(session, principal, (FIXTURES / name).read_bytes(), name, now=NOW, **kwargs)


def test_good_file_is_saved_with_channel_upload_and_audit(session: Session, platform: Principal) -> None:
    report = upload(session, platform, "good.csv")
    assert report.file_error is None and report.rejected == [] and report.saved
    assert [(row.line, row.department_code, row.day) for row in report.accepted] == [
        (2, "54", date(2020, 11, 8)), (3, "54", date(2020, 11, 9)), (4, "57", date(2020, 11, 9))
    ]
    assert report.summary() == "3 ligne(s) acceptée(s), 0 ligne(s) rejetée(s) ; 3 version(s) enregistrée(s)."
    moselle = session.get(TracingDaily, report.accepted[2].report_id)
    assert moselle is not None
    assert (moselle.new_cases, moselle.contacts_reached_24h, moselle.contacts_per_case_median) == (80, 170, None)
    assert (moselle.channel, moselle.author_id, moselle.reported_at) == ("upload", platform.user_id, NOW)
    assert count_audit(session, "tracing.report") == 3
    file_event = session.scalar(select(AuditEvent).where(AuditEvent.action == "tracing.upload"))
    assert file_event is not None and json.loads(file_event.detail or "{}")["written"] == 3


def test_same_file_twice_is_accepted_unchanged_and_a_changed_row_supersedes(
    session: Session, platform: Principal
) -> None:
    first = upload(session, platform, "good.csv")
    again = upload(session, platform, "good.csv")
    assert not again.saved and all(row.unchanged for row in again.accepted)
    assert [row.report_id for row in again.accepted] == [row.report_id for row in first.accepted]
    assert "dont 3 inchangée(s)" in again.summary() and "rien n'est enregistré" in again.summary()
    assert count_rows(session) == 3

    changed = (FIXTURES / "good.csv").read_text().replace("57,2020-11-09,80,60", "57,2020-11-09,85,60")
    report = upload_tracing_file(session, platform, changed.encode(), "good-v2.csv", now=NOW + timedelta(hours=1))
    assert report.saved and report.written == 1
    moselle = report.accepted[2]
    assert not moselle.unchanged and moselle.supersedes_id == first.accepted[2].report_id
    assert count_rows(session) == 4
    latest = latest_version(session, "57", date(2020, 11, 9))
    assert latest is not None and latest.new_cases == 85


def test_bad_rows_are_rejected_with_line_column_rule_valid_rows_saved(session: Session, platform: Principal) -> None:
    report = upload(session, platform, "bad-rows.csv")
    assert report.file_error is None and report.saved
    assert [(row.line, row.department_code, row.day) for row in report.accepted] == [
        (2, "54", date(2020, 11, 8)), (15, "57", date(2020, 11, 7))
    ]
    rejected = {row.line: [(error.field, error.rule) for error in row.errors] for row in report.rejected}
    assert rejected == {
        3: [("cas_joints_4h", "index_reached_le_new_cases")],
        4: [("contacts_joints_24h", "contacts_reached_le_identified")],
        5: [("cas_connus_contacts", "known_le_new_cases")],
        6: [("jour", "future_day")],
        7: [("jour", "too_old")],
        8: [("nouveaux_cas", "integer")],
        9: [("nouveaux_cas", "non_negative")],
        10: [("departement", "unknown_department")],
        11: [("departement", "forbidden")],
        12: [("jour", "duplicate")],
        13: [("departement", "required")],
        14: [("jour", "date")],
        16: [("mediane_contacts_par_cas", "non_negative")],
    }
    messages = {row.line: row.errors[0].message for row in report.rejected}
    assert messages[3].startswith("cas_joints_4h — Cas index joints en moins de 4 h (130)")
    assert messages[11] == "departement — Département 67 : Hors des départements de votre plateforme."
    assert messages[12] == "jour — département 54, jour 08/11/2020 : figure déjà ligne 2."
    assert report.summary() == "2 ligne(s) acceptée(s), 13 ligne(s) rejetée(s) ; 2 version(s) enregistrée(s)."
    assert count_rows(session) == 2
    detail = json.loads(session.scalar(
        select(AuditEvent.detail).where(AuditEvent.action == "tracing.upload")
    ) or "{}")
    assert detail["rejected_lines"] == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16]


def test_latin1_semicolon_accented_headers_names_and_french_dates(session: Session, platform: Principal) -> None:
    report = upload(session, platform, "latin1-semicolon.csv")
    assert report.file_error is None and report.rejected == []
    assert report.encoding == "cp1252" and report.delimiter == ";"
    assert report.columns["Département"] == "departement" and report.columns["Cas joints < 4h"] == "cas_joints_4h"
    assert report.columns["Médiane contacts par cas"] == "mediane_contacts_par_cas"
    assert [(row.department_code, row.day) for row in report.accepted] == [
        ("54", date(2020, 11, 8)), ("57", date(2020, 11, 9))
    ]
    nancy = session.get(TracingDaily, report.accepted[0].report_id)
    assert nancy is not None and nancy.contacts_per_case_median == 2.5 and nancy.cases_known_as_contacts == 30


def test_xlsx_with_date_cells_and_numeric_department(session: Session) -> None:
    admin = make_principal(session, "admin")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Département", "Date", "Nouveaux cas", "Cas joints 4h", "Contacts identifiés",
                  "Contacts joints 24h", "Cas connus contacts"])
    sheet.append([1, datetime(2020, 11, 9), 12, 10, 30, 28, 4])
    sheet.append(["2A", datetime(2020, 11, 9), 3, 3, 6, 6, 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = upload_tracing_file(session, admin, buffer.getvalue(), "export.xlsx", now=NOW)
    assert report.file_error is None and report.rejected == []
    assert [(row.department_code, row.day) for row in report.accepted] == [
        ("01", date(2020, 11, 9)), ("2A", date(2020, 11, 9))
    ]


def test_personal_data_column_refuses_the_whole_file(session: Session, platform: Principal) -> None:
    report = upload(session, platform, "personal-column.csv")
    assert report.file_error is not None and not report.saved
    assert "« Nom du cas index » : données personnelles" in report.file_error
    assert "Seuls des agrégats" in report.file_error
    assert report.accepted == [] and count_rows(session) == 0 and count_audit(session) == 0


def test_cell_with_an_email_refuses_the_file_without_repeating_it(session: Session, platform: Principal) -> None:
    report = upload(session, platform, "personal-cell.csv")
    assert report.file_error is not None
    assert "ligne 3, colonne « commentaire »" in report.file_error and "adresse électronique" in report.file_error
    assert "dupont" not in report.file_error
    assert count_rows(session) == 0 and count_audit(session) == 0


def test_phone_number_cell_refuses_the_file(session: Session, platform: Principal) -> None:
    data = (
        b"departement;jour;nouveaux_cas;cas_joints_4h;contacts_identifies;contacts_joints_24h;cas_connus_contacts;note\n"
        b"54;2020-11-08;12;9;30;25;3;06 12 34 56 78\n"
    )
    report = upload_tracing_file(session, platform, data, "tel.csv", now=NOW)
    assert report.file_error is not None and "numéro de téléphone" in report.file_error
    assert count_rows(session) == 0


@pytest.mark.parametrize(
    ("header", "personal"),
    [("nom", True), ("Prénom", True), ("Téléphone", True), ("E-mail", True), ("Adresse postale", True),
     ("date_de_naissance", True), ("nombre", False), ("commentaire", False), ("nouveaux_cas", False),
     ("contacts_identifies", False)],
)
def test_personal_headers(header: str, personal: bool) -> None:
    assert is_personal_header(header) is personal


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "vide"),
        (b"\n\n  \n", "vide"),
        ((FIXTURES / "headers-only.csv").read_bytes(), "aucune ligne de données"),
        (b"departement;jour;nouveaux_cas\n54;2020-11-08;3\n", "Colonne(s) obligatoire(s) absente(s) : cas_joints_4h"),
        (b"dep;departement;jour\n54;54;2020-11-08\n", "présente deux fois"),
    ],
)
def test_unusable_files_are_refused_whole(
    session: Session, platform: Principal, data: bytes, fragment: str
) -> None:
    report = upload_tracing_file(session, platform, data, "file.csv", now=NOW)
    assert report.file_error is not None and fragment in report.file_error
    assert report.summary().startswith("Fichier refusé : ")
    assert count_rows(session) == 0 and count_audit(session) == 0


def test_too_large_file_is_refused(session: Session, platform: Principal, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / "good.csv").read_bytes()
    monkeypatch.setattr("services.validation.settings", replace(settings, max_upload_bytes=len(data) - 1))
    report = upload_tracing_file(session, platform, data, "good.csv", now=NOW)
    assert report.file_error is not None and "trop volumineux" in report.file_error
    assert count_rows(session) == 0


def test_upload_by_a_role_without_tracing_rights_rejects_every_row(session: Session) -> None:
    national = make_principal(session, "national")
    report = upload(session, national, "good.csv")
    assert report.accepted == [] and not report.saved
    assert {error.rule for row in report.rejected for error in row.errors} == {"forbidden"}
    assert count_rows(session) == 0 and count_audit(session) == 0
    with pytest.raises(PermissionDenied):
        upload(session, None, "good.csv")  # type: ignore[arg-type]


def test_template_lists_the_expected_columns() -> None:
    assert template_csv().strip().split(";") == list(UPLOAD_COLUMNS)
    assert template_csv().startswith("departement;jour;nouveaux_cas;cas_joints_4h")


def test_the_documented_sample_is_accepted(session: Session, platform: Principal) -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "tracing-indicators.md").read_text()
    sample = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    report = upload_tracing_file(session, platform, sample.encode(), "exemple.csv", now=NOW)
    assert report.file_error is None and report.rejected == [] and len(report.accepted) == 3
    nancy = session.get(TracingDaily, report.accepted[1].report_id)
    assert nancy is not None and nancy.contacts_per_case_median == 2.5
