"""Bulk bed upload: a CSV or XLSX export of hospital software, checked row by row, valid rows saved together.

Policy: valid rows are accepted and every rejected row is reported (line, column, rule); the accepted rows are
written in one savepoint, so either all of them are saved or none. When an accepted row trips the jump rule,
nothing is saved until the upload is sent again with ``confirm=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import BED_COUNT_FIELDS, BedReport, BedType, Establishment, Unit, utcnow
from data_access.queries.beds_directory import latest_reports_for_units, normalize_name
from services import audit
from services.auth import PermissionDenied, Principal, authorize
from services.beds import ValidationResult, check_link_still_valid, validate_bed_report
from services.importers.tabular import Table, is_missing
from services.validation import FieldError, column_key, map_columns, read_upload
from services.validation import UploadReport as BaseUploadReport

CHANNEL = "upload"

# Expected columns: French name as written in the template -> (model field, accepted aliases).
# Headers are matched after lower-casing, removing accents and turning spaces/punctuation into "_".
UPLOAD_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "finess": ("finess", ("finess_geo", "finess_geographique", "finess_et", "n_finess", "no_finess", "numero_finess")),
    "unite": ("unit", ("unite_de_soins", "nom_unite", "libelle_unite", "service", "unit")),
    "type_lit": ("bed_type", ("type_de_lit", "type_lits", "type_de_lits", "bed_type")),
    "lits_installes": ("installed", ("installes", "capacite_installee", "installed")),
    "lits_ouverts": ("open_beds", ("ouverts", "lits_armes", "open_beds")),
    "lits_occupes": ("occupied", ("occupes", "occupied")),
    "dont_covid": (
        "occupied_covid",
        ("lits_occupes_covid", "occupes_covid", "dont_covid_19", "covid", "occupied_covid"),
    ),
    "vi_utilises": (
        "vent_invasive_used",
        ("ventilation_invasive_utilisee", "respirateurs_utilises", "vent_invasive_used"),
    ),
    "vi_disponibles": (
        "vent_invasive_available",
        ("ventilation_invasive_disponible", "respirateurs_disponibles", "vent_invasive_available"),
    ),
    "vni_utilises": ("vent_noninvasive_used", ("ventilation_non_invasive_utilisee", "vent_noninvasive_used")),
    "vni_disponibles": (
        "vent_noninvasive_available",
        ("ventilation_non_invasive_disponible", "vent_noninvasive_available"),
    ),
    "ecmo_utilises": ("ecmo_used", ("ecmo_utilisees", "ecmo_used")),
    "ecmo_disponibles": ("ecmo_available", ("ecmo_disponible", "ecmo_available")),
    "fermes_personnel": ("closed_staff", ("lits_fermes_personnel", "closed_staff")),
    "fermes_materiel": ("closed_equipment", ("lits_fermes_materiel", "closed_equipment")),
    "fermes_fournitures": ("closed_supplies", ("lits_fermes_fournitures", "closed_supplies")),
    "commentaire": ("comment", ("commentaires", "comment")),
}
REQUIRED_COLUMNS = ("finess", "lits_installes", "lits_ouverts", "lits_occupes")
# Model field -> the column name shown in rejection messages.
COLUMN_OF_FIELD = {model_field: column for column, (model_field, _) in UPLOAD_COLUMNS.items()}


_ALIASES: dict[str, str] = {}
for _column, (_field, _aliases) in UPLOAD_COLUMNS.items():
    for _name in (_column, *_aliases):
        _ALIASES[column_key(_name)] = _column


@dataclass(frozen=True)
class AcceptedRow:
    line: int
    finess: str
    unit_id: int
    unit_name: str
    report_id: int | None = None
    warnings: tuple[FieldError, ...] = ()


@dataclass(frozen=True)
class RejectedRow:
    """A refused row: its line in the file and every broken rule (``FieldError.field`` is the column name)."""

    line: int
    finess: str
    unit: str
    errors: tuple[FieldError, ...]


@dataclass
class UploadReport(BaseUploadReport):
    """What happened to each row; valid rows may wait for a confirmation of big jumps before being saved."""

    @property
    def needs_confirmation(self) -> bool:
        return not self.saved and self.file_error is None and any(row.warnings for row in self.accepted)

    def summary(self) -> str:
        if self.file_error:
            return f"Fichier refusé : {self.file_error}"
        text = f"{len(self.accepted)} ligne(s) acceptée(s), {len(self.rejected)} ligne(s) rejetée(s)"
        if self.needs_confirmation:
            return text + " ; des écarts importants demandent confirmation, rien n'est encore enregistré."
        return text + (" ; enregistré." if self.saved else " ; rien n'est enregistré.")


def _map_columns(table: Table, report: UploadReport) -> dict[str, int] | None:
    """Expected column -> index in the row; a unit is found by its name or, failing that, its bed type."""
    positions = map_columns(table, report, aliases=_ALIASES, required=REQUIRED_COLUMNS, expected=list(UPLOAD_COLUMNS))
    if positions is not None and "unite" not in positions and "type_lit" not in positions:
        expected = ", ".join(UPLOAD_COLUMNS)
        report.file_error = (
            f"Colonne(s) obligatoire(s) absente(s) : unite ou type_lit. Colonnes attendues : {expected}."
        )
        return None
    return positions


def normalize_finess(raw: str) -> str:
    """'01 000 002 4' -> '010000024'; an 8-digit number lost its leading zero in a spreadsheet, so it is restored."""
    compact = "".join(raw.split())
    if compact.isdigit() and len(compact) == 8:
        return "0" + compact
    return compact.upper()


class _Catalogue:
    """Establishments, units and bed types needed by the file, loaded once instead of per row."""

    def __init__(self, session: Session, finess_codes: set[str]) -> None:
        self.establishments = {
            e.finess: e
            for e in session.scalars(select(Establishment).where(Establishment.finess.in_(sorted(finess_codes))))
        }
        ids = [e.id for e in self.establishments.values()]
        self.units: dict[int, list[Unit]] = {establishment_id: [] for establishment_id in ids}
        for unit in session.scalars(select(Unit).where(Unit.establishment_id.in_(ids), Unit.active.is_(True))):
            self.units[unit.establishment_id].append(unit)
        self.bed_types: dict[str, str] = {}
        for code, bed_label in session.execute(select(BedType.code, BedType.label)):
            self.bed_types[column_key(code)] = code
            self.bed_types[column_key(bed_label)] = code

    def find_unit(self, establishment: Establishment, unit_name: str, bed_type_text: str) -> tuple[Unit | None, str]:
        """Unit by name within the establishment, or by bed type when it has exactly one unit of that type."""
        units = self.units.get(establishment.id, [])
        bed_type = None
        if bed_type_text:
            bed_type = self.bed_types.get(column_key(bed_type_text))
            if bed_type is None:
                return None, f"type_lit : « {bed_type_text} » n'est pas un type de lit connu."
        if unit_name:
            named = [u for u in units if normalize_name(u.name) == normalize_name(unit_name)]
            if bed_type is not None:
                typed = [u for u in named if u.bed_type_code == bed_type]
                if named and not typed:
                    return None, (
                        f"type_lit : l'unité « {unit_name} » est de type {named[0].bed_type_code}, pas {bed_type}."
                    )
                named = typed
            if len(named) == 1:
                return named[0], ""
            if not named:
                return None, f"unite : « {unit_name} » n'existe pas dans l'établissement {establishment.finess}."
            return None, f"unite : plusieurs unités « {unit_name} » ; précisez type_lit."
        if bed_type is None:
            return None, "unite : renseignez le nom de l'unité ou le type de lit."
        typed = [u for u in units if u.bed_type_code == bed_type]
        if len(typed) == 1:
            return typed[0], ""
        if not typed:
            return None, f"type_lit : l'établissement {establishment.finess} n'a pas d'unité {bed_type}."
        return None, f"unite : l'établissement a {len(typed)} unités {bed_type} ; précisez le nom de l'unité."


def _reject(report: UploadReport, line: int, finess: str, unit: str, column: str, message: str, rule: str) -> None:
    report.rejected.append(RejectedRow(line, finess, unit, (FieldError(column, message, rule),)))


def _as_column_errors(errors: list[FieldError]) -> list[FieldError]:
    """Name the file's column, not the model field, so the sender finds the cell."""
    renamed: list[FieldError] = []
    for error in errors:
        column = COLUMN_OF_FIELD.get(error.field, error.field)
        renamed.append(FieldError(column, f"{column} — {error.message}", error.rule))
    return renamed


def upload_bed_file(
    session: Session,
    principal: Principal | None,
    data: bytes,
    filename: str,
    *,
    confirm: bool = False,
    now: datetime | None = None,
    remote_addr: str | None = None,
) -> UploadReport:
    """Check every row (columns, establishment, unit, permission, hard rules), then save the valid rows together.

    Rows for an establishment the principal may not write are rejected with the reason. A file too large,
    unreadable, empty or without the required columns is refused whole (``file_error``).
    """
    now = now or utcnow()
    report = UploadReport(filename=filename)
    if principal is None:
        raise PermissionDenied("Connexion requise.")
    try:
        check_link_still_valid(session, principal, now)
    except PermissionDenied as exc:
        report.file_error = str(exc)
        return report
    checked = read_upload(data, filename, report, _map_columns)
    if checked is None:
        return report
    table, positions = checked
    report.rows_read = len(table.rows)

    def cell(row: list[str], column: str) -> str:
        index = positions.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    catalogue = _Catalogue(session, {normalize_finess(cell(row, "finess")) for row in table.rows})
    pending: list[tuple[int, str, Unit, dict[str, object]]] = []
    seen_units: dict[int, int] = {}
    for line, row in zip(table.line_numbers, table.rows, strict=True):
        finess = normalize_finess(cell(row, "finess"))
        unit_text = cell(row, "unite") or cell(row, "type_lit")
        where = (report, line, finess, unit_text)

        if not finess:
            _reject(*where, "finess", "finess : valeur obligatoire.", "required")
            continue
        establishment = catalogue.establishments.get(finess)
        if establishment is None:
            message = f"finess : « {finess} » ne correspond à aucun établissement connu."
            _reject(*where, "finess", message, "unknown_finess")
            continue
        try:
            authorize(session, principal, "beds.report", establishment_id=establishment.id)
        except PermissionDenied as exc:
            _reject(*where, "finess", f"finess : {exc} (établissement {finess}).", "forbidden")
            continue
        unit, problem = catalogue.find_unit(establishment, cell(row, "unite"), cell(row, "type_lit"))
        if unit is None:
            _reject(*where, problem.split(" :", 1)[0], problem, "unit_not_matched")
            continue
        try:
            # A link limited to one unit may not write the establishment's other units.
            authorize(session, principal, "beds.report", establishment_id=establishment.id, unit_id=unit.id)
        except PermissionDenied as exc:
            _reject(*where, "unite", f"unite : {exc}", "forbidden")
            continue
        if unit.id in seen_units:
            _reject(*where, "unite", f"unite : « {unit.name} » figure déjà ligne {seen_units[unit.id]}.", "duplicate")
            continue
        seen_units[unit.id] = line
        values: dict[str, object] = {}
        for column, (model_field, _) in UPLOAD_COLUMNS.items():
            if model_field in BED_COUNT_FIELDS or model_field == "comment":
                text = cell(row, column)
                values[model_field] = None if is_missing(text) else text
        pending.append((line, finess, unit, values))

    previous = latest_reports_for_units(session, [unit.id for _, _, unit, _ in pending])
    checked_rows: list[tuple[int, str, Unit, ValidationResult]] = []
    for line, finess, unit, values in pending:
        checked = validate_bed_report(values, unit, previous.get(unit.id))
        if checked.errors:
            report.rejected.append(RejectedRow(line, finess, unit.name, tuple(_as_column_errors(checked.errors))))
            continue
        checked_rows.append((line, finess, unit, checked))
    report.rejected.sort(key=lambda rejected: rejected.line)

    if any(checked.warnings for *_, checked in checked_rows) and not confirm:
        report.accepted = [
            AcceptedRow(line, finess, unit.id, unit.name, None, tuple(_as_column_errors(checked.warnings)))
            for line, finess, unit, checked in checked_rows
        ]
        return report
    if not checked_rows:
        return report

    # One savepoint for all accepted rows: a failure on any of them leaves none written.
    with session.begin_nested():
        for line, finess, unit, checked in checked_rows:
            bed_report = BedReport(
                unit_id=unit.id,
                reported_at=now,
                recorded_at=now,
                channel=CHANNEL,
                author_id=principal.user_id,
                reporting_link_id=principal.link_id,
                comment=checked.comment,
                **checked.values,
            )
            session.add(bed_report)
            session.flush()
            audit.record(
                session,
                principal,
                "beds.report",
                "bed_report",
                bed_report.id,
                channel=CHANNEL,
                remote_addr=remote_addr,
                detail={
                    "unit_id": unit.id,
                    "establishment_id": unit.establishment_id,
                    "file": filename,
                    "line": line,
                    "values": checked.values,
                    "confirmed_warnings": [w.message for w in checked.warnings],
                },
            )
            report.accepted.append(
                AcceptedRow(line, finess, unit.id, unit.name, bed_report.id, tuple(_as_column_errors(checked.warnings)))
            )
        audit.record(
            session,
            principal,
            "beds.upload",
            "upload",
            filename[:200],
            channel=CHANNEL,
            remote_addr=remote_addr,
            detail={
                "file": filename,
                "accepted": len(report.accepted),
                "rejected": len(report.rejected),
                "rejected_lines": [rejected.line for rejected in report.rejected],
                "encoding": report.encoding,
            },
        )
    report.saved = True
    return report


def template_csv() -> str:
    """An empty template with the expected French headers, for the page's download link."""
    return ";".join(UPLOAD_COLUMNS) + "\n"
