"""SI-DEP import: every published variant from small fixtures, idempotent re-import, reported rejections."""

from __future__ import annotations

import csv
import json
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import models
from services.auth import PermissionDenied, Principal
from services.importers.sidep import SidepImportError, import_sidep

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sidep"
OPENDATA = Path(__file__).resolve().parents[2] / "shared" / "opendata"
Counts = models.TestCount
Windows = models.TestWindowCount


def load(session: Session, name: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return import_sidep(session, FIXTURES / name, name, **kwargs)  # type: ignore[arg-type]


def raw_daily(name: str) -> dict[tuple[str, date, str], tuple[int, int]]:
    """The fixture read with the csv module alone: (code, day, age) -> (P, T), by column name."""
    with (FIXTURES / name).open(newline="", encoding="utf-8") as handle:
        return {
            (row["dep"], date.fromisoformat(row["jour"]), row["cl_age90"]): (
                int(float(row["P"].replace(",", "."))),
                int(float(row["T"].replace(",", "."))),
            )
            for row in csv.DictReader(handle, delimiter=";")
        }


def stored_daily(session: Session, level: str) -> dict[tuple[str, date, str], tuple[int, int, float | None]]:
    rows = session.execute(
        select(Counts.territory_code, Counts.day, Counts.age_class, Counts.positives, Counts.tests,
               Counts.population).where(Counts.level == level)
    ).all()
    return {(r.territory_code, r.day, r.age_class): (r.positives, r.tests, r.population) for r in rows}


def count_rows(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def audit_events(session: Session) -> list[models.AuditEvent]:
    return list(session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "import.opendata")))


# --- each variant ---------------------------------------------------------------------------------


def test_department_daily_without_population(session: Session) -> None:
    report = load(session, "dep-quot-sans-pop.csv")

    assert (report.variant, report.level, report.table, report.has_population) == (
        "daily", "department", "test_counts", False,
    )
    assert (report.rows_read, report.rows_inserted, report.rows_updated, report.rows_unchanged) == (396, 396, 0, 0)
    assert report.skipped == []
    assert (report.first_day, report.last_day, report.period_count) == (date(2020, 9, 1), date(2020, 9, 12), 12)
    stored = stored_daily(session, "department")
    expected = raw_daily("dep-quot-sans-pop.csv")
    assert {key: value[:2] for key, value in stored.items()} == expected
    # Codes stay strings with their letters and leading zeros; the all-ages total is "0".
    assert {key[0] for key in stored} == {"01", "2A", "971"}
    assert {key[2] for key in stored} == {"0", "09", "19", "29", "39", "49", "59", "69", "79", "89", "90"}
    assert all(value[2] is None for value in stored.values())


@pytest.mark.parametrize(
    ("name", "has_population"),
    [("dep-quot-pop.csv", True), ("dep-quot-guillemets.csv", False), ("dep-quot-virgule-decimale.csv", True)],
)
def test_department_variants_store_the_same_counts(session: Session, name: str, has_population: bool) -> None:
    """With pop, quoted with columns in another order and CRLF, or with decimal commas: same P and T."""
    report = load(session, name)

    assert report.has_population is has_population
    assert (report.rows_inserted, report.rows_skipped) == (396, 0)
    stored = stored_daily(session, "department")
    assert {key: value[:2] for key, value in stored.items()} == raw_daily("dep-quot-sans-pop.csv")
    if has_population:
        assert stored[("01", date(2020, 9, 1), "0")][2] == 656955
        assert stored[("2A", date(2020, 9, 5), "90")][2] == 2401
    else:
        assert stored[("01", date(2020, 9, 1), "0")][2] is None


def test_national_daily_uses_p_and_t_not_the_sex_columns(session: Session) -> None:
    report = load(session, "fra-quot.csv")

    assert (report.level, report.rows_inserted, report.has_population) == ("country", 132, True)
    stored = stored_daily(session, "country")
    assert {key[0] for key in stored} == {"FR"}
    with (FIXTURES / "fra-quot.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    mismatched = [row for row in rows if int(row["P_f"]) + int(row["P_h"]) != int(row["P"])]
    assert mismatched, "the fixture must keep rows where P_f + P_h != P"
    for row in mismatched:
        key = ("FR", date.fromisoformat(row["jour"]), row["cl_age90"])
        assert stored[key][:2] == (int(row["P"]), int(row["T"]))
        assert stored[key][2] == pytest.approx(float(row["pop"]), rel=1e-12)
    assert stored[("FR", date(2020, 9, 1), "0")][2] == 67114995


def test_region_daily_pads_codes(session: Session) -> None:
    report = load(session, "reg-quot.csv")

    assert (report.level, report.rows_inserted, report.rows_skipped) == ("region", 36, 0)
    stored = stored_daily(session, "region")
    # "6" in the file is Mayotte's region code "06".
    assert {key[0] for key in stored} == {"84", "11", "06"}
    assert stored[("84", date(2020, 9, 1), "0")] == (1502, 12278, 8032377)


def test_weekly_file_goes_to_the_window_table_never_to_days(session: Session) -> None:
    daily_before = count_rows(session, Counts)
    report = load(session, "dep-hebdo.csv")

    assert (report.variant, report.table, report.level) == ("weekly", "test_window_counts", "department")
    assert count_rows(session, Counts) == daily_before
    assert (report.rows_read, report.rows_inserted) == (66, 44)
    [unknown] = report.skipped
    assert (unknown.reason, unknown.count) == ("code département inconnu : 975", 22)
    assert unknown.line_numbers == [46, 47, 48, 49, 50]
    weeks = session.execute(
        select(Windows.period_start, Windows.period_end, Windows.age_scheme).distinct().order_by(Windows.period_start)
    ).all()
    # ISO week 36 of 2020 runs from Monday 31 August to Sunday 6 September.
    assert [tuple(week) for week in weeks] == [
        (date(2020, 8, 31), date(2020, 9, 6), "cl_age90"),
        (date(2020, 9, 7), date(2020, 9, 13), "cl_age90"),
    ]
    ain = session.execute(
        select(Windows.positives, Windows.tests, Windows.population).where(
            Windows.territory_code == "01", Windows.period_start == date(2020, 8, 31), Windows.age_class == "09"
        )
    ).one()
    assert tuple(ain) == (33, 808, 83001)


def test_school_age_sliding_windows_with_decimal_commas(session: Session) -> None:
    report = load(session, "fra-7j-18ans-sg.csv")

    assert (report.variant, report.level, report.age_scheme) == ("window", "country", "cl_age18")
    assert (report.rows_inserted, report.rows_skipped, report.warnings) == (12, 0, [])
    assert (report.first_day, report.last_day) == (date(2020, 5, 7), date(2020, 5, 24))
    first = session.execute(
        select(Windows).where(Windows.period_end == date(2020, 5, 13), Windows.age_scheme == "cl_age18")
    ).scalar_one()
    assert (first.period_start, first.age_class, first.positives, first.tests) == (date(2020, 5, 7), "02", 4, 435)
    assert first.population == pytest.approx(2153747.25)


def test_school_age_file_with_wrong_published_rates_is_flagged(session: Session) -> None:
    text = (FIXTURES / "fra-7j-18ans-sg.csv").read_text()
    tampered = text.replace("4,00;435,00;0,19;0,92;20,20", "4,00;435,00;0,91;0,92;20,20")
    assert tampered != text

    report = import_sidep(session, tampered.encode(), "tampered.csv")

    [warning] = report.warnings
    assert warning.startswith("Ti/Tp/Td publiés ne correspondent pas")
    assert "sur 1 ligne (par ex. lignes 2)" in warning


def test_unknown_territory_codes_are_reported_with_lines_not_stored(session: Session) -> None:
    departments_before = count_rows(session, models.Department)
    report = load(session, "dep-quot-codes-inconnus.csv")

    assert (report.rows_read, report.rows_inserted, report.rows_skipped) == (11, 6, 5)
    by_reason = {group.reason: (group.count, group.line_numbers) for group in report.skipped}
    assert by_reason == {
        "code département inconnu : 975": (3, [5, 6, 7]),
        "code département inconnu : 978": (2, [11, 12]),
    }
    assert {key[0] for key in stored_daily(session, "department")} == {"01", "2A"}
    assert count_rows(session, models.Department) == departments_before
    text = "\n".join(report.summary_lines())
    assert "975 — 3 lignes (par ex. lignes 5, 6, 7)" in text


# --- file-level errors: nothing written -----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ((FIXTURES / "en-tete-casse.csv").read_bytes(), ["dep/reg/fra", "jour/week/sg", "P", "T", "cl_age90"]),
        (b"dep;reg;jour;P;T;cl_age90\n01;84;2020-09-01;1;10;0\n", ["plusieurs colonnes de territoire"]),
        (b"dep;jour;P;cl_age90\n01;2020-09-01;1;0\n", ["colonnes manquantes : T"]),
        (b"dep;jour;P;T;cl_age18\n01;2020-09-01;1;10;02\n", ["cl_age90"]),
        (b"dep;jour;P;T;cl_age90\n975;2020-09-01;1;10;0\n", ["Aucune ligne exploitable", "975"]),
        (b"\n\n", ["vide"]),
    ],
)
def test_unusable_files_raise_a_french_message_and_write_nothing(
    session: Session, content: bytes, expected: list[str]
) -> None:
    before = (count_rows(session, Counts), count_rows(session, Windows), len(audit_events(session)))

    with pytest.raises(SidepImportError) as error:
        import_sidep(session, content, "envoi.csv")

    for fragment in expected:
        assert fragment in str(error.value)
    assert (count_rows(session, Counts), count_rows(session, Windows), len(audit_events(session))) == before


def test_rows_with_bad_values_are_skipped_and_grouped(session: Session) -> None:
    content = (
        b"dep;jour;P;T;cl_age90\n"
        b"01;2020-09-01;3;100;0\n"
        b"01;2020-09-02;300;100;0\n"  # P > T
        b"01;02/09/2020x;3;100;09\n"  # unreadable date
        b"01;2020-09-03;3;100;15\n"  # not a cl_age90 class
        b"01;2020-09-04;trois;100;0\n"  # not a number
        b"01;2020-09-01;4;100;0\n"  # duplicate key: the first one stays
        b"01;2020-09-05\n"  # short row
        b"1;03/09/2020;5;50;0\n"  # unpadded code and French date are accepted
    )

    report = import_sidep(session, content, "mixte.csv")

    assert (report.rows_read, report.rows_inserted, report.rows_skipped) == (8, 2, 6)
    lines = {group.reason: group.line_numbers for group in report.skipped}
    assert lines["P (positifs) supérieur à T (testés)"] == [3]
    assert lines["date « jour » illisible (attendu AAAA-MM-JJ)"] == [4]
    assert lines["classe d'âge cl_age90 inconnue : « 15 »"] == [5]
    assert lines["P ou T n'est pas un nombre entier"] == [6]
    assert lines["ligne en double (même territoire, période et classe d'âge) : la première est gardée"] == [7]
    assert lines["ligne incomplète (moins de colonnes que l'en-tête)"] == [8]
    stored = stored_daily(session, "department")
    assert stored[("01", date(2020, 9, 1), "0")][:2] == (3, 100)
    assert stored[("01", date(2020, 9, 3), "0")][:2] == (5, 50)


# --- idempotence and updates ----------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(session: Session) -> None:
    load(session, "dep-quot-pop.csv")
    stamps = dict(session.execute(select(Counts.id, Counts.imported_at)).all())

    again = load(session, "dep-quot-pop.csv")

    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 396)
    assert dict(session.execute(select(Counts.id, Counts.imported_at)).all()) == stamps
    assert len(audit_events(session)) == 2


def test_a_newer_file_updates_the_days_it_covers(session: Session) -> None:
    load(session, "dep-quot-sans-pop.csv")
    text = (FIXTURES / "dep-quot-sans-pop.csv").read_text()
    old_line = next(line for line in text.splitlines() if line.startswith("2A;2020-09-12;") and line.endswith(";0"))
    code, day, positives, tests, age = old_line.split(";")
    revised = text.replace(old_line, f"{code};{day};{int(positives) + 5};{int(tests) + 7};{age}")
    revised += "2A;2020-09-13;4;90;0\n"

    report = import_sidep(session, revised.encode(), "sp-pos-quot-dep-revised.csv")

    assert (report.rows_inserted, report.rows_updated, report.rows_unchanged) == (1, 1, 395)
    stored = stored_daily(session, "department")
    assert stored[("2A", date(2020, 9, 12), "0")][:2] == (int(positives) + 5, int(tests) + 7)
    assert stored[("2A", date(2020, 9, 13), "0")][:2] == (4, 90)
    row = session.execute(
        select(Counts.source).where(Counts.territory_code == "2A", Counts.day == date(2020, 9, 12),
                                    Counts.age_class == "0")
    ).scalar_one()
    assert row == "sp-pos-quot-dep-revised.csv"


def test_a_file_without_pop_keeps_the_population_already_published(session: Session) -> None:
    load(session, "dep-quot-pop.csv")

    report = load(session, "dep-quot-sans-pop.csv")

    assert (report.rows_updated, report.rows_unchanged) == (0, 396)
    assert stored_daily(session, "department")[("01", date(2020, 9, 1), "0")][2] == 656955


def test_weekly_reimport_is_idempotent(session: Session) -> None:
    load(session, "dep-hebdo.csv")
    again = load(session, "dep-hebdo.csv")
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 44)
    assert count_rows(session, Windows) == 44


# --- who may import, and the audit trail ----------------------------------------------------------


def test_command_line_import_is_audited_once_per_file(session: Session) -> None:
    report = load(session, "dep-quot-codes-inconnus.csv")

    [event] = audit_events(session)
    assert (event.channel, event.entity, event.entity_id, event.user_id) == (
        "cli", "test_counts", "dep-quot-codes-inconnus.csv", None,
    )
    detail = json.loads(event.detail or "{}")
    assert detail["rows_inserted"] == report.rows_inserted == 6
    assert detail["skipped"][0] == {"reason": "code département inconnu : 975", "count": 3, "lines": [5, 6, 7]}


def test_only_administrators_may_import(session: Session) -> None:
    national = Principal(role="national", display_name="Cellule nationale")
    with pytest.raises(PermissionDenied):
        load(session, "dep-quot-pop.csv", principal=national)
    assert stored_daily(session, "department") == {}
    assert audit_events(session) == []

    report = load(session, "dep-quot-pop.csv", principal=Principal(role="admin"), channel="upload")
    assert report.rows_inserted == 396
    [event] = audit_events(session)
    assert event.channel == "upload"


# --- the real published files (present in CI) -----------------------------------------------------

real_files = pytest.mark.skipif(not OPENDATA.is_dir(), reason="the shared open-data folder is not here")


@real_files
def test_real_department_file_imports_quickly_and_reports_overseas_collectivities(session: Session) -> None:
    started = time.perf_counter()
    report = import_sidep(session, OPENDATA / "sp-pos-quot-dep.csv", "sp-pos-quot-dep.csv")
    elapsed = time.perf_counter() - started

    assert (report.rows_read, report.rows_inserted, report.rows_skipped) == (186_472, 181_093, 5_379)
    assert {group.reason: group.count for group in report.skipped} == {
        "code département inconnu : 975": 1793,
        "code département inconnu : 977": 1793,
        "code département inconnu : 978": 1793,
    }
    assert (report.first_day, report.last_day, report.period_count) == (date(2020, 5, 13), date(2020, 10, 22), 163)
    assert elapsed < 60, f"import took {elapsed:.1f} s"
    again = import_sidep(session, OPENDATA / "sp-pos-quot-dep.csv", "sp-pos-quot-dep.csv")
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 181_093)


@real_files
@pytest.mark.parametrize(
    ("name", "variant", "level", "inserted", "skipped"),
    [
        ("sp-pos-quot-france.csv", "daily", "country", 7_425, 0),
        ("tx_positivite_depart.csv", "weekly", "department", 44_440, 1_320),
        ("sp-ti-tp-7j-18ans-fra.age00-03-2020-05-13_2020-11-29.csv", "window", "country", 201, 0),
        ("tests_viro-dep-quot.dep01-2020-05-13_2020-07-03.csv", "daily", "department", 572, 0),
    ],
)
def test_real_files_of_every_variant(
    session: Session, name: str, variant: str, level: str, inserted: int, skipped: int
) -> None:
    report = import_sidep(session, OPENDATA / name, name)

    assert (report.variant, report.level, report.rows_inserted, report.rows_skipped) == (
        variant, level, inserted, skipped,
    )
    # SpF's own Ti, Tp and Td agree with its P, T and pop on every row of the school-age file.
    assert report.warnings == []
