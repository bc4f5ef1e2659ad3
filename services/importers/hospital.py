"""Import Santé publique France's daily hospital file (donnees-hospitalieres-covid19) per department and day.

Every published variant is read: columns matched by name (``rad;dc`` or ``dc;rad``), ``sexe`` quoted or not,
line endings changing mid-file, ISO or DD/MM/YYYY dates. Only ``sexe = 0`` rows (both sexes) are kept. Rows
whose department is blank or ``NA`` are counted, their line numbers reported, and kept out of every total.
Re-importing a file is idempotent: rows are upserted by (department, day).

The ``donnees-hospitalieres-nouveaux-covid19`` file (daily admissions: incid_hosp, incid_rea…) and the
by-region ``classe-age`` file hold other quantities than this table stores; they are refused with a message
rather than mixed into the stock figures.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from data_access.models import Department, HospitalOpenData
from services import audit
from services.auth import Principal, authorize
from services.importers.tabular import TabularError, is_missing, parse_int, read_table

VARIANT = "donnees-hospitalieres-covid19"
# Table column -> file column.
VALUE_COLUMNS = {"hospitalised": "hosp", "intensive_care": "rea", "returned_home": "rad", "deaths": "dc"}
REQUIRED = ("dep", "jour", *VALUE_COLUMNS.values())
BOTH_SEXES = "0"


class HospitalImportError(TabularError):
    """The file as a whole cannot be imported; nothing was written."""


@dataclass(frozen=True)
class RejectedLine:
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import read, wrote and left out, line by line where it matters."""

    filename: str
    variant: str = VARIANT
    rows_read: int = 0
    rows_used: int = 0  # sexe = 0 rows with a known department and valid values
    other_sex_rows: int = 0  # sexe 1 / 2, ignored on purpose
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    blank_department_lines: list[int] = field(default_factory=list)
    na_department_lines: list[int] = field(default_factory=list)
    unknown_departments: dict[str, int] = field(default_factory=dict)  # code -> rows (e.g. "978")
    duplicate_lines: list[int] = field(default_factory=list)  # a later row for the same dep and day won
    rejected: list[RejectedLine] = field(default_factory=list)
    first_day: date | None = None
    last_day: date | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [
            f"{self.filename} : {self.rows_read} lignes lues, {self.rows_used} retenues (sexe 0)",
            f"{self.inserted} ajoutées, {self.updated} mises à jour, {self.unchanged} inchangées",
        ]
        if self.blank_department_lines:
            parts.append(f"{len(self.blank_department_lines)} ligne(s) sans département écartée(s) "
                         f"(lignes {_lines(self.blank_department_lines)})")
        if self.na_department_lines:
            parts.append(f"{len(self.na_department_lines)} ligne(s) au département « NA » écartée(s) "
                         f"(lignes {_lines(self.na_department_lines)})")
        if self.unknown_departments:
            codes = ", ".join(f"{code} ({count})" for code, count in sorted(self.unknown_departments.items()))
            parts.append(f"départements inconnus écartés : {codes}")
        if self.rejected:
            parts.append(f"{len(self.rejected)} ligne(s) rejetée(s) (ligne {self.rejected[0].line} : "
                         f"{self.rejected[0].message}…)")
        return " ; ".join(parts) + "."


def _lines(numbers: list[int], shown: int = 10) -> str:
    text = ", ".join(str(n) for n in numbers[:shown])
    return text + ("…" if len(numbers) > shown else "")


def parse_day(text: str) -> date:
    """ISO (2020-03-18) or French (18/03/2020) dates; anything else raises ValueError with the text."""
    value = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"« {text} » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)")


def _check_variant(columns: list[str]) -> None:
    names = set(columns)
    if any(name.startswith("incid_") for name in names):
        raise HospitalImportError(
            "Ce fichier est « donnees-hospitalieres-nouveaux-covid19 » (admissions quotidiennes incid_hosp, "
            "incid_rea…) : il n'est pas importé, car ces flux ne sont pas des effectifs hospitalisés. "
            "Importez le fichier « donnees-hospitalieres-covid19 » (colonnes dep, sexe, jour, hosp, rea, rad, dc)."
        )
    if "reg" in names and "dep" not in names:
        raise HospitalImportError(
            "Ce fichier est par région et classe d'âge (« classe-age ») : seul le fichier par département "
            "« donnees-hospitalieres-covid19 » est importé."
        )
    missing = [column for column in REQUIRED if column not in names]
    if missing:
        raise HospitalImportError(
            f"Colonne(s) absente(s) : {', '.join(missing)} (attendu : dep, sexe, jour, hosp, rea, rad, dc)."
        )


def import_hospital_file(
    session: Session,
    source: bytes | str | Path,
    filename: str | None = None,
    principal: Principal | None = None,
) -> ImportReport:
    """Read, check and upsert one file in the caller's transaction; raise HospitalImportError if it is refused.

    ``principal`` None means the trusted command line; a web caller passes its principal, which must be an
    administrator. Rows with a bad date or number are rejected and reported; the valid rows are imported.
    """
    started = clock.perf_counter()
    if principal is not None:
        authorize(session, principal, "import.opendata")
    if filename is None:
        filename = Path(source).name if isinstance(source, (str, Path)) else "fichier"
    report = ImportReport(filename=filename)
    try:
        table = read_table(source, filename)
    except TabularError as exc:
        raise HospitalImportError(f"{filename} : {exc}") from exc
    columns = [column.strip().lower() for column in table.columns]
    _check_variant(columns)
    position = {name: index for index, name in enumerate(columns)}
    sex_index = position.get("sexe")
    known_departments = set(session.scalars(select(Department.code)))

    figures: dict[tuple[str, date], dict[str, int | None]] = {}
    line_of: dict[tuple[str, date], int] = {}
    for line, row in zip(table.line_numbers, table.rows, strict=True):
        report.rows_read += 1

        def cell(name: str, row: list[str] = row) -> str:
            index = position[name]
            return row[index].strip() if index < len(row) else ""

        department = cell("dep")
        # Blank and NA departments are real rows of the published file: report them, never sum them.
        if department == "":
            report.blank_department_lines.append(line)
            continue
        if department.upper() == "NA":
            report.na_department_lines.append(line)
            continue
        if sex_index is not None:
            sex = row[sex_index].strip() if sex_index < len(row) else ""
            if sex != BOTH_SEXES:
                if sex in {"1", "2"}:
                    report.other_sex_rows += 1
                else:
                    report.rejected.append(RejectedLine(line, "sexe", f"« {sex} » n'est pas 0, 1 ou 2"))
                continue
        if department.isdigit() and len(department) == 1:
            department = "0" + department
        if department not in known_departments:
            report.unknown_departments[department] = report.unknown_departments.get(department, 0) + 1
            continue
        try:
            day = parse_day(cell("jour"))
        except ValueError as exc:
            report.rejected.append(RejectedLine(line, "jour", str(exc)))
            continue
        values: dict[str, int | None] = {}
        problem: RejectedLine | None = None
        for target, column in VALUE_COLUMNS.items():
            text = cell(column)
            if is_missing(text):
                values[target] = None
                continue
            try:
                number = parse_int(text)
            except ValueError as exc:
                problem = RejectedLine(line, column, str(exc))
                break
            if number < 0:
                problem = RejectedLine(line, column, f"{number} est négatif")
                break
            values[target] = number
        if problem is not None:
            report.rejected.append(problem)
            continue
        key = (department, day)
        if key in figures:
            report.duplicate_lines.append(line_of[key])
        figures[key] = values
        line_of[key] = line

    report.rows_used = len(figures)
    if figures:
        days = [day for _, day in figures]
        report.first_day, report.last_day = min(days), max(days)
        _upsert(session, figures, filename, report)
    report.seconds = round(clock.perf_counter() - started, 3)
    audit.record(
        session, principal, "import.hospital", "hospital_open_data", filename[:200], channel="import",
        detail={
            "file": filename,
            "rows_read": report.rows_read,
            "rows_used": report.rows_used,
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "blank_department_lines": report.blank_department_lines,
            "na_department_lines": report.na_department_lines,
            "unknown_departments": report.unknown_departments,
            "rejected": [(r.line, r.column, r.message) for r in report.rejected[:100]],
            "first_day": report.first_day,
            "last_day": report.last_day,
        },
    )
    return report


def _upsert(
    session: Session, figures: dict[tuple[str, date], dict[str, int | None]], filename: str, report: ImportReport
) -> None:
    """Insert new (department, day) rows and update changed ones in two bulk statements; same on both databases."""
    assert report.first_day is not None and report.last_day is not None
    existing = {
        (row.department_code, row.day): row
        for row in session.execute(
            select(
                HospitalOpenData.id,
                HospitalOpenData.department_code,
                HospitalOpenData.day,
                *(getattr(HospitalOpenData, target) for target in VALUE_COLUMNS),
            ).where(HospitalOpenData.day.between(report.first_day, report.last_day))
        )
    }
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for (department, day), values in figures.items():
        current = existing.get((department, day))
        if current is None:
            inserts.append({"department_code": department, "day": day, "source_file": filename[:200], **values})
        elif any(getattr(current, target) != values[target] for target in VALUE_COLUMNS):
            updates.append({"id": current.id, "source_file": filename[:200], **values})
        else:
            report.unchanged += 1
    if inserts:
        session.execute(insert(HospitalOpenData), inserts)
    if updates:
        session.execute(update(HospitalOpenData), updates)
    report.inserted, report.updated = len(inserts), len(updates)
    session.flush()
