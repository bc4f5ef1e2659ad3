"""Santé publique France hospital file import: every published variant gives the same figures, on both databases."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import AuditEvent, HospitalOpenData
from data_access.queries.hospital import HospitalDay, hospital_timeline
from services.auth import PermissionDenied, Principal
from services.importers.hospital import HospitalImportError, import_hospital_file, parse_day

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hospital"
OPENDATA = Path(__file__).resolve().parents[2] / "shared" / "opendata"
REAL_NOVEMBER = OPENDATA / "donnees-hospitalieres-covid19-2020-11-15-19h55.csv"
REAL_MARCH_SLICE = OPENDATA / "donnes-hospitalieres-covid19.2020-03-18_19.csv"
REAL_ADMISSIONS = OPENDATA / "donnees-hospitalieres-nouveaux-covid19-hospi.csv"

VARIANTS = ("rad-dc-all-quoted.csv", "dc-rad-mixed.csv", "french-dates-bom.csv")

# (hosp, rea, rad, dc) for sexe 0, from the real 2020-11-15 file.
EXPECTED = {
    ("01", date(2020, 3, 18)): (2, 0, 1, 0),
    ("01", date(2020, 3, 19)): (2, 0, 1, 0),
    ("01", date(2020, 3, 20)): (2, 0, 1, 0),
    ("2A", date(2020, 3, 18)): (0, 0, 0, 0),
    ("2A", date(2020, 3, 19)): (1, 0, 1, 1),
    ("2A", date(2020, 3, 20)): (60, 14, 10, 3),
    ("75", date(2020, 3, 18)): (359, 105, 40, 14),
    ("75", date(2020, 3, 19)): (453, 122, 62, 22),
    ("75", date(2020, 3, 20)): (575, 145, 98, 30),
    ("971", date(2020, 3, 18)): (0, 0, 0, 0),
    ("971", date(2020, 3, 19)): (0, 0, 0, 0),
    ("971", date(2020, 3, 20)): (0, 0, 0, 0),
}


def stored(session: Session) -> dict[tuple[str, date], tuple[int | None, ...]]:
    rows = session.execute(
        select(
            HospitalOpenData.department_code,
            HospitalOpenData.day,
            HospitalOpenData.hospitalised,
            HospitalOpenData.intensive_care,
            HospitalOpenData.returned_home,
            HospitalOpenData.deaths,
        )
    )
    return {(dep, day): (h, r, home, d) for dep, day, h, r, home, d in rows}


def count_rows(session: Session) -> int:
    return session.scalar(select(func.count(HospitalOpenData.id))) or 0


@pytest.mark.parametrize("name", VARIANTS)
def test_each_variant_gives_the_same_figures(session: Session, name: str) -> None:
    report = import_hospital_file(session, FIXTURES / name)
    assert stored(session) == EXPECTED
    assert report.rows_used == 12
    assert report.other_sex_rows == 24
    assert report.inserted == 12 and report.updated == 0
    assert report.first_day == date(2020, 3, 18) and report.last_day == date(2020, 3, 20)
    assert report.rejected == []


def test_blank_and_na_departments_are_reported_and_kept_out(session: Session) -> None:
    report = import_hospital_file(session, FIXTURES / "dc-rad-mixed.csv")
    # Header is line 1; the blank-department rows follow the 12 rows of the first day.
    assert report.blank_department_lines == [14, 15, 16]
    assert report.na_department_lines == [29, 30, 31]
    assert report.rows_read == 42
    assert "sans département" in report.summary() and "« NA »" in report.summary()
    france = hospital_timeline(session, "country", None, date(2020, 3, 18), date(2020, 3, 20))
    # The blank row (hosp 13) and the NA row (hosp 29) would have inflated these sums.
    assert [day.hospitalised for day in france] == [361, 456, 637]


def test_reimport_is_idempotent_and_updates_changed_values(session: Session) -> None:
    import_hospital_file(session, FIXTURES / "rad-dc-all-quoted.csv")
    again = import_hospital_file(session, FIXTURES / "dc-rad-mixed.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 12)
    assert count_rows(session) == 12

    revised = (FIXTURES / "french-dates-bom.csv").read_bytes().replace(b"75;0;20/03/2020;575;", b"75;0;20/03/2020;580;")
    third = import_hospital_file(session, revised, "revised.csv")
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 11)
    assert stored(session)[("75", date(2020, 3, 20))] == (580, 145, 98, 30)
    assert count_rows(session) == 12


def test_bad_rows_are_rejected_with_line_and_column_valid_rows_kept(session: Session) -> None:
    data = (
        b'"dep";"sexe";"jour";"hosp";"rea";"rad";"dc"\n'
        b'"01";"0";"2020-03-18";2;0;1;0\n'
        b'"978";"0";"2020-03-18";1;0;0;0\n'
        b'"13";"0";"18.03.2020";5;1;0;0\n'
        b'"13";"0";"2020-03-19";abc;1;0;0\n'
        b'"13";"0";"2020-03-20";-4;1;0;0\n'
        b'"13";"7";"2020-03-20";4;1;0;0\n'
        b'"13";"0";"2020-03-21";NA;1;0;0\n'
    )
    report = import_hospital_file(session, data, "dirty.csv")
    assert report.unknown_departments == {"978": 1}
    assert [(r.line, r.column) for r in report.rejected] == [(4, "jour"), (5, "hosp"), (6, "hosp"), (7, "sexe")]
    assert "abc" in report.rejected[1].message
    assert stored(session) == {
        ("01", date(2020, 3, 18)): (2, 0, 1, 0),
        ("13", date(2020, 3, 21)): (None, 1, 0, 0),
    }


def test_new_admissions_variant_is_refused_and_writes_nothing(session: Session) -> None:
    before = count_rows(session)
    with pytest.raises(HospitalImportError, match="nouveaux-covid19"):
        import_hospital_file(session, FIXTURES / "nouveaux-admissions.csv")
    assert count_rows(session) == before


def test_empty_file_and_missing_columns_are_refused(session: Session) -> None:
    with pytest.raises(HospitalImportError, match="vide"):
        import_hospital_file(session, b"", "vide.csv")
    with pytest.raises(HospitalImportError, match="rea"):
        import_hospital_file(session, b'"dep";"sexe";"jour";"hosp"\n"01";"0";"2020-03-18";2\n', "short.csv")
    assert count_rows(session) == 0


def test_audit_event_per_file_and_only_admins_import_from_the_web(session: Session) -> None:
    import_hospital_file(session, FIXTURES / "rad-dc-all-quoted.csv")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "import.hospital"))
    assert event is not None and event.entity_id == "rad-dc-all-quoted.csv" and event.channel == "import"
    assert event.user_id is None
    assert '"inserted": 12' in (event.detail or "")

    with pytest.raises(PermissionDenied):
        import_hospital_file(session, FIXTURES / "french-dates-bom.csv", principal=Principal(role="national"))
    assert stored(session) == EXPECTED


def test_timeline_sums_departments_to_region_and_country(session: Session) -> None:
    import_hospital_file(session, FIXTURES / "rad-dc-all-quoted.csv")
    start, end = date(2020, 3, 18), date(2020, 3, 20)
    assert hospital_timeline(session, "department", "75", start, end)[2] == HospitalDay(
        date(2020, 3, 20), 575, 145, 98, 30
    )
    corse = hospital_timeline(session, "region", "94", start, end)
    assert [(d.hospitalised, d.intensive_care) for d in corse] == [(0, 0), (1, 0), (60, 14)]
    france = hospital_timeline(session, "country", None, date(2020, 3, 19), date(2020, 3, 19))
    assert france == [HospitalDay(date(2020, 3, 19), 456, 122, 64, 23)]
    with pytest.raises(ValueError):
        hospital_timeline(session, "canton", "x", start, end)


def test_parse_day_accepts_iso_and_french_dates() -> None:
    assert parse_day("2020-03-18") == parse_day("18/03/2020") == date(2020, 3, 18)
    with pytest.raises(ValueError, match="2020/03/18"):
        parse_day("2020/03/18")


@pytest.mark.skipif(not REAL_NOVEMBER.exists(), reason="real open-data files not present")
def test_real_files(session: Session) -> None:
    started = time.perf_counter()
    report = import_hospital_file(session, REAL_NOVEMBER)
    elapsed = time.perf_counter() - started
    assert report.rows_read == 73_635
    assert report.blank_department_lines == [2123, 2124, 2125]
    assert report.na_department_lines == [72725, 72726, 72727]
    assert report.rows_used == 243 * 101
    assert report.inserted == 243 * 101
    assert report.rejected == [] and report.unknown_departments == {}
    assert stored(session)[("01", date(2020, 3, 18))] == (2, 0, 1, 0)  # hosp, rea, rad, dc
    print(f"\nimported {REAL_NOVEMBER.name} in {elapsed:.2f} s")

    # The spring slice (rad;dc, sexe quoted) holds the same first two days.
    march = import_hospital_file(session, REAL_MARCH_SLICE)
    assert march.rows_read == 606 and march.rows_used == 202
    assert march.inserted == 0

    with pytest.raises(HospitalImportError):
        import_hospital_file(session, REAL_ADMISSIONS)
