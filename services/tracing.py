"""Contact-tracing input: validation of the daily aggregates, versioned saving, file upload, and clusters.

Only aggregates per department and day are accepted, never a named person: a file with a column of personal
data (name, telephone, e-mail…) or a cell that looks like an e-mail address or a telephone number is refused
whole. Upload policy: valid rows are accepted and each rejected row is reported (line, column, rule); the
accepted rows are written together in one savepoint; file-level problems refuse the whole file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import CLUSTER_SETTINGS, CLUSTER_STATUSES, Cluster, Department, TracingDaily, utcnow
from data_access.queries.beds_directory import normalize_name
from data_access.queries.tracing import COUNT_FIELDS, latest_version, latest_versions
from services import audit
from services.auth import PermissionDenied, Principal, authorize
from services.importers.tabular import Table, is_missing, parse_float
from services.validation import FieldError, column_key, map_columns, parse_count, read_upload
from services.validation import UploadReport as BaseUploadReport

# French labels of the report fields, shared by messages, the input page and the upload report.
TRACING_LABELS: dict[str, str] = {
    "department_code": "Département",
    "day": "Jour",
    "new_cases": "Nouveaux cas",
    "index_reached_4h": "Cas index joints en moins de 4 h",
    "contacts_identified": "Contacts identifiés",
    "contacts_reached_24h": "Contacts joints en moins de 24 h",
    "cases_known_as_contacts": "Nouveaux cas déjà connus comme contacts",
    "contacts_per_case_median": "Contacts par cas (médiane)",
}
CLUSTER_LABELS: dict[str, str] = {
    "department_code": "Département",
    "commune": "Commune",
    "label": "Libellé",
    "setting": "Collectivité",
    "status": "Statut",
    "opened_on": "Date d'ouverture",
    "closed_on": "Date de clôture",
    "cases": "Nombre de cas",
}
CLUSTER_FIELDS = tuple(CLUSTER_LABELS)

# A form may enter the last 60 days; older figures go through an administrator's import.
FORM_MAX_AGE_DAYS = 60
# No French department reports more in one day; the bound also keeps values inside a 32-bit INTEGER column.
MAX_COUNT = 1_000_000
MAX_LABEL = 200
MAX_COMMUNE = 120
CHANNEL_UPLOAD = "upload"

# Which status may follow which: forward through the investigation, closing at any time, and reopening a
# closed cluster when new cases appear (it becomes active again).
CLUSTER_TRANSITIONS: dict[str, frozenset[str]] = {
    "signal": frozenset({"investigating", "active", "closed"}),
    "investigating": frozenset({"active", "closed"}),
    "active": frozenset({"closed"}),
    "closed": frozenset({"active"}),
}

# Overseas departments live in other time zones; "today" for a day not to be in the future is theirs.
_TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}
_PARIS = "Europe/Paris"


def label(field_name: str) -> str:
    return TRACING_LABELS.get(field_name, CLUSTER_LABELS.get(field_name, field_name))


def local_today(department_code: str | None, now: datetime) -> date:
    """The calendar day in the department's time zone (metropolitan France unless overseas)."""
    return now.astimezone(ZoneInfo(_TIME_ZONES.get(department_code or "", _PARIS))).date()


@dataclass
class ValidationResult:
    """Errors block the save; ``values`` holds the parsed counts and median, ``day`` the parsed day."""

    errors: list[FieldError] = field(default_factory=list)
    values: dict[str, int | float | None] = field(default_factory=dict)
    day: date | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class SubmitResult:
    """Outcome of a save: the new version (and the one it supersedes, with the changed fields), or the errors."""

    saved: TracingDaily | None = None
    errors: list[FieldError] = field(default_factory=list)
    superseded: TracingDaily | None = None
    changes: dict[str, dict[str, object]] = field(default_factory=dict)


def _parse_count(field_name: str, raw: object, errors: list[FieldError]) -> int | None:
    """A required whole number in [0, MAX_COUNT]."""
    return parse_count(field_name, raw, errors, name=label(field_name), maximum=MAX_COUNT)


def _parse_median(raw: object, errors: list[FieldError]) -> float | None:
    """Optional: a finite number ≥ 0, decimal comma accepted."""
    name = label("contacts_per_case_median")
    if raw is None or (isinstance(raw, str) and is_missing(raw)):
        return None
    number: float | None = None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = parse_float(raw)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        errors.append(FieldError("contacts_per_case_median", f"{name} : « {raw} » n'est pas un nombre.", "number"))
        return None
    if number < 0:
        errors.append(
            FieldError(
                "contacts_per_case_median", f"{name} : doit être positive ou nulle (reçu {number:g}).", "non_negative"
            )
        )
        return None
    return number


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), (3, 2, 1)),
)


def parse_day(field_name: str, raw: object, errors: list[FieldError]) -> date | None:
    """A date given as a date, ISO text (2020-11-02, time ignored) or French text (02/11/2020, 2.11.2020)."""
    name = label(field_name)
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if raw is None or (isinstance(raw, str) and is_missing(raw)):
        errors.append(FieldError(field_name, f"{name} : date obligatoire.", "required"))
        return None
    text = str(raw).strip()
    for pattern, (year, month, day) in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match.group(year)), int(match.group(month)), int(match.group(day)))
            except ValueError:
                break
    errors.append(
        FieldError(
            field_name, f"{name} : « {text} » n'est pas une date valide (attendu AAAA-MM-JJ ou JJ/MM/AAAA).", "date"
        )
    )
    return None


def validate_tracing(
    values: Mapping[str, object],
    *,
    today: date | None = None,
    max_age_days: int = FORM_MAX_AGE_DAYS,
) -> ValidationResult:
    """Check one department-day of aggregates; every broken rule is reported, each naming its field.

    ``values`` holds the five counts (required), ``contacts_per_case_median`` (optional) and, when given,
    ``day``, which must be neither after ``today`` nor more than ``max_age_days`` before it.
    """
    result = ValidationResult()
    parsed: dict[str, int | None] = {name: _parse_count(name, values.get(name), result.errors) for name in COUNT_FIELDS}
    median = _parse_median(values.get("contacts_per_case_median"), result.errors)

    def at_most(part: str, whole: str, rule: str, why: str = "") -> None:
        low, high = parsed[part], parsed[whole]
        if low is not None and high is not None and low > high:
            result.errors.append(
                FieldError(part, f"{label(part)} ({low}) ne peut pas dépasser {label(whole)} ({high}){why}.", rule)
            )

    at_most("index_reached_4h", "new_cases", "index_reached_le_new_cases")
    at_most("contacts_reached_24h", "contacts_identified", "contacts_reached_le_identified")
    at_most("cases_known_as_contacts", "new_cases", "known_le_new_cases")

    new_cases, contacts = parsed["new_cases"], parsed["contacts_identified"]
    if median is not None and new_cases == 0 and median > 0:
        result.errors.append(
            FieldError(
                "contacts_per_case_median",
                f"{label('contacts_per_case_median')} : sans nouveau cas, il n'y a pas de médiane (reçu {median:g}).",
                "median_without_cases",
            )
        )
    elif median is not None and contacts is not None and median > contacts:
        # Each case's contacts are among the day's identified contacts, so no case has more than all of them.
        result.errors.append(
            FieldError(
                "contacts_per_case_median",
                f"{label('contacts_per_case_median')} ({median:g}) ne peut pas dépasser "
                f"{label('contacts_identified')} ({contacts}).",
                "median_le_contacts",
            )
        )

    if "day" in values:
        result.day = parse_day("day", values["day"], result.errors)
        if result.day is not None:
            today = today or local_today(None, utcnow())
            if result.day > today:
                result.errors.append(
                    FieldError("day", f"{label('day')} : le {result.day:%d/%m/%Y} est dans le futur.", "future_day")
                )
            elif result.day < today - timedelta(days=max_age_days):
                result.errors.append(
                    FieldError(
                        "day",
                        f"{label('day')} : le {result.day:%d/%m/%Y} est antérieur de plus de {max_age_days} jours à "
                        f"aujourd'hui ; une correction plus ancienne passe par un administrateur.",
                        "too_old",
                    )
                )
    if not result.errors:
        result.values = {**parsed, "contacts_per_case_median": median}
    return result


def _values_of(report: TracingDaily) -> dict[str, int | float | None]:
    return {name: getattr(report, name) for name in (*COUNT_FIELDS, "contacts_per_case_median")}


def _changes(before: TracingDaily | None, after: Mapping[str, int | float | None]) -> dict[str, dict[str, object]]:
    if before is None:
        return {}
    old = _values_of(before)
    return {name: {"before": old[name], "after": value} for name, value in after.items() if old[name] != value}


def normalize_department_code(raw: object) -> str:
    """' 1 ' -> '01', '2a' -> '2A', '971' -> '971' (a spreadsheet drops the leading zero)."""
    text = "".join(str(raw or "").split()).upper()
    if text.isdigit() and len(text) == 1:
        return "0" + text
    return text


def submit_tracing_day(
    session: Session,
    principal: Principal | None,
    department_code: str,
    day: date | str | None,
    values: Mapping[str, object],
    *,
    now: datetime | None = None,
    remote_addr: str | None = None,
    channel: str | None = None,
    max_age_days: int = FORM_MAX_AGE_DAYS,
) -> SubmitResult:
    """Authorise, validate, then append the department's figures for ``day``; raises PermissionDenied if refused.

    A second submission for the same department and day is a new version superseding the current one (the
    old row stays); identical figures are refused (``no_change``) rather than stored twice.
    """
    now = now or utcnow()
    code = normalize_department_code(department_code)
    if session.get(Department, code) is None:
        return SubmitResult(
            errors=[
                FieldError(
                    "department_code",
                    f"{label('department_code')} : « {department_code} » inconnu.",
                    "unknown_department",
                )
            ]
        )
    authorize(session, principal, "tracing.report", department_code=code)
    assert principal is not None

    checked = validate_tracing({**values, "day": day}, today=local_today(code, now), max_age_days=max_age_days)
    if checked.errors:
        return SubmitResult(errors=checked.errors)
    assert checked.day is not None
    current = latest_version(session, code, checked.day)
    changes = _changes(current, checked.values)
    if current is not None and not changes:
        return SubmitResult(
            errors=[
                FieldError(
                    "day",
                    f"Aucune valeur modifiée par rapport à la version du {current.reported_at:%d/%m/%Y %H:%M} UTC : "
                    "rien à enregistrer.",
                    "no_change",
                )
            ]
        )

    channel = channel or principal.channel
    report = _new_version(principal, code, checked, now, channel, current)
    session.add(report)
    session.flush()
    audit.record(
        session,
        principal,
        "tracing.report",
        "tracing_daily",
        report.id,
        channel=channel,
        remote_addr=remote_addr,
        detail=_audit_detail(code, checked, current, changes),
    )
    return SubmitResult(saved=report, superseded=current, changes=changes)


def _new_version(
    principal: Principal,
    department_code: str,
    checked: ValidationResult,
    now: datetime,
    channel: str,
    current: TracingDaily | None,
) -> TracingDaily:
    assert checked.day is not None
    return TracingDaily(
        department_code=department_code,
        day=checked.day,
        reported_at=now,
        recorded_at=now,
        channel=channel,
        author_id=principal.user_id,
        reporting_link_id=principal.link_id,
        supersedes_id=current.id if current is not None else None,
        **checked.values,
    )


def _audit_detail(
    department_code: str,
    checked: ValidationResult,
    current: TracingDaily | None,
    changes: dict[str, dict[str, object]],
) -> dict[str, object]:
    return {
        "department_code": department_code,
        "day": checked.day.isoformat() if checked.day else None,
        "values": checked.values,
        "supersedes_id": current.id if current is not None else None,
        "changes": changes,
    }


# --- Upload -------------------------------------------------------------------------------------------------------

# Expected columns: French name as written in the template -> (field, accepted aliases). Headers are matched
# after lower-casing, removing accents and turning spaces/punctuation into "_".
UPLOAD_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "departement": (
        "department_code",
        ("dep", "code_departement", "code_dep", "departement_code", "num_dep", "department", "department_code"),
    ),
    "jour": ("day", ("date", "jour_de_declaration", "date_de_declaration", "date_jour", "day")),
    "nouveaux_cas": ("new_cases", ("cas", "nb_cas", "nouveaux_cas_positifs", "cas_positifs", "new_cases")),
    "cas_joints_4h": (
        "index_reached_4h",
        (
            "cas_index_joints_4h",
            "cas_index_joints_moins_4h",
            "cas_joints_moins_4h",
            "cas_joints_moins_de_4h",
            "index_joints_4h",
            "index_reached_4h",
        ),
    ),
    "contacts_identifies": ("contacts_identified", ("contacts", "nb_contacts", "contacts_identified")),
    "contacts_joints_24h": (
        "contacts_reached_24h",
        ("contacts_joints_moins_24h", "contacts_joints_moins_de_24h", "contacts_reached_24h"),
    ),
    "cas_connus_contacts": (
        "cases_known_as_contacts",
        (
            "cas_connus_comme_contacts",
            "cas_deja_connus_contacts",
            "cas_deja_connus_comme_contacts",
            "nouveaux_cas_connus_contacts",
            "cases_known_as_contacts",
        ),
    ),
    "mediane_contacts_par_cas": (
        "contacts_per_case_median",
        ("contacts_par_cas_mediane", "mediane_contacts", "median_contacts", "contacts_per_case_median"),
    ),
}
REQUIRED_COLUMNS = tuple(column for column in UPLOAD_COLUMNS if column != "mediane_contacts_par_cas")
COLUMN_OF_FIELD = {model_field: column for column, (model_field, _) in UPLOAD_COLUMNS.items()}

_ALIASES: dict[str, str] = {}
for _column, (_field, _aliases) in UPLOAD_COLUMNS.items():
    for _name in (_column, *_aliases):
        _ALIASES[column_key(_name)] = _column

# Words that, in a header, mean the column holds personal data (matched as whole words of the header key).
PERSONAL_WORDS = frozenset(
    {
        "nom",
        "noms",
        "prenom",
        "prenoms",
        "patronyme",
        "identite",
        "telephone",
        "tel",
        "portable",
        "mobile",
        "email",
        "mail",
        "courriel",
        "adresse",
        "naissance",
        "ddn",
        "nir",
        "secu",
        "securite",
        "ins",
    }
)
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# French numbers: 0X XX XX XX XX or +33 X XX XX XX XX, with spaces, dots or dashes.
_PHONE = re.compile(r"(?:\+33\s?|0033\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")


def is_personal_header(header: str) -> bool:
    return any(word in PERSONAL_WORDS for word in column_key(header).split("_"))


@dataclass(frozen=True)
class AcceptedRow:
    """A valid row: the version written (``report_id``), or the current one when nothing changed."""

    line: int
    department_code: str
    day: date
    report_id: int | None = None
    supersedes_id: int | None = None
    unchanged: bool = False


@dataclass(frozen=True)
class RejectedRow:
    """A refused row: its line in the file and every broken rule (``FieldError.field`` is the column name)."""

    line: int
    department_code: str
    day: str
    errors: tuple[FieldError, ...]


@dataclass
class UploadReport(BaseUploadReport):
    """What happened to each row; a row identical to the current version is accepted but not written again."""

    @property
    def written(self) -> int:
        return sum(1 for row in self.accepted if not row.unchanged)

    def summary(self) -> str:
        if self.file_error:
            return f"Fichier refusé : {self.file_error}"
        unchanged = len(self.accepted) - self.written
        text = f"{len(self.accepted)} ligne(s) acceptée(s)"
        if unchanged:
            text += f" dont {unchanged} inchangée(s)"
        text += f", {len(self.rejected)} ligne(s) rejetée(s)"
        if self.saved:
            return text + f" ; {self.written} version(s) enregistrée(s)."
        return text + " ; rien n'est enregistré."


def _map_columns(table: Table, report: UploadReport) -> dict[str, int] | None:
    """Expected column -> index; refuse the file on personal data, a doubled column or a missing one."""
    return map_columns(
        table,
        report,
        aliases=_ALIASES,
        required=REQUIRED_COLUMNS,
        expected=list(UPLOAD_COLUMNS),
        refused_header=is_personal_header,
        refusal=lambda headers: (
            f"Colonne(s) {', '.join(f'« {header} »' for header in headers)} : données personnelles. "
            "Seuls des agrégats par département et par jour sont acceptés, jamais de nom, de téléphone ni "
            "d'adresse ; retirez ces colonnes. Le fichier n'a pas été enregistré."
        ),
    )


def _personal_cell(table: Table) -> str | None:
    """Where the first cell that looks like an e-mail address or a French telephone number is (never its value)."""
    for line, row in zip(table.line_numbers, table.rows, strict=True):
        for index, cell in enumerate(row):
            kind = (
                "une adresse électronique"
                if _EMAIL.search(cell)
                else "un numéro de téléphone"
                if _PHONE.search(cell)
                else None
            )
            if kind:
                header = table.columns[index] if index < len(table.columns) else f"n° {index + 1}"
                return (
                    f"ligne {line}, colonne « {header} » : la cellule ressemble à {kind}. Seuls des agrégats "
                    "sont acceptés, jamais de donnée personnelle. Le fichier n'a pas été enregistré."
                )
    return None


class _Departments:
    """Every department by code and by name ('Meurthe-et-Moselle' or 'meurthe et moselle'), loaded once."""

    def __init__(self, session: Session) -> None:
        self.by_code: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        for code, name in session.execute(select(Department.code, Department.name)):
            self.by_code[code] = code
            self.by_name[normalize_name(name)] = code

    def find(self, raw: str) -> str | None:
        return self.by_code.get(normalize_department_code(raw)) or self.by_name.get(normalize_name(raw))


def _reject(report: UploadReport, line: int, department: str, day: str, column: str, message: str, rule: str) -> None:
    report.rejected.append(RejectedRow(line, department, day, (FieldError(column, f"{column} — {message}", rule),)))


def _as_column_errors(errors: list[FieldError]) -> tuple[FieldError, ...]:
    """Name the file's column, not the model field, so the sender finds the cell."""
    return tuple(
        FieldError(
            COLUMN_OF_FIELD.get(error.field, error.field),
            f"{COLUMN_OF_FIELD.get(error.field, error.field)} — {error.message}",
            error.rule,
        )
        for error in errors
    )


def upload_tracing_file(
    session: Session,
    principal: Principal | None,
    data: bytes,
    filename: str,
    *,
    now: datetime | None = None,
    remote_addr: str | None = None,
    max_age_days: int = FORM_MAX_AGE_DAYS,
) -> UploadReport:
    """Check every row (columns, department, permission, rules), then save the valid rows together.

    Rows for a department the principal may not write are rejected with the reason; rows identical to the
    current version are accepted as unchanged and not written again. A file too large, unreadable, empty,
    without the required columns or holding personal data is refused whole (``file_error``).
    """
    now = now or utcnow()
    report = UploadReport(filename=filename)
    if principal is None:
        raise PermissionDenied("Connexion requise.")
    checked = read_upload(data, filename, report, _map_columns)
    if checked is None:
        return report
    table, positions = checked
    personal = _personal_cell(table)
    if personal:
        report.file_error = personal
        return report
    report.rows_read = len(table.rows)

    def cell(row: list[str], column: str) -> str:
        index = positions.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    departments = _Departments(session)
    allowed: dict[str, str | None] = {}  # department -> refusal message, None when allowed
    checked_rows: list[tuple[int, str, ValidationResult]] = []
    seen: dict[tuple[str, date], int] = {}
    for line, row in zip(table.line_numbers, table.rows, strict=True):
        raw_department, raw_day = cell(row, "departement"), cell(row, "jour")
        where = (report, line, raw_department, raw_day)
        if not raw_department:
            _reject(*where, "departement", "valeur obligatoire.", "required")
            continue
        code = departments.find(raw_department)
        if code is None:
            message = f"« {raw_department} » n'est pas un département connu."
            _reject(*where, "departement", message, "unknown_department")
            continue
        if code not in allowed:
            try:
                authorize(session, principal, "tracing.report", department_code=code)
                allowed[code] = None
            except PermissionDenied as exc:
                allowed[code] = str(exc)
        refusal = allowed[code]
        if refusal is not None:
            _reject(*where, "departement", f"Département {code} : {str(refusal).rstrip('.')}.", "forbidden")
            continue
        values: dict[str, object] = {"day": raw_day}
        for column, (model_field, _) in UPLOAD_COLUMNS.items():
            if model_field in (*COUNT_FIELDS, "contacts_per_case_median"):
                values[model_field] = cell(row, column)
        checked = validate_tracing(values, today=local_today(code, now), max_age_days=max_age_days)
        if checked.errors:
            report.rejected.append(RejectedRow(line, raw_department, raw_day, _as_column_errors(checked.errors)))
            continue
        assert checked.day is not None
        key = (code, checked.day)
        if key in seen:
            message = f"département {code}, jour {checked.day:%d/%m/%Y} : figure déjà ligne {seen[key]}."
            _reject(*where, "jour", message, "duplicate")
            continue
        seen[key] = line
        checked_rows.append((line, code, checked))
    report.rejected.sort(key=lambda rejected: rejected.line)

    current = latest_versions(session, seen)
    to_write: list[tuple[int, str, ValidationResult, TracingDaily | None, dict[str, dict[str, object]]]] = []
    for line, code, checked in checked_rows:
        assert checked.day is not None
        previous = current.get((code, checked.day))
        changes = _changes(previous, checked.values)
        if previous is not None and not changes:
            report.accepted.append(AcceptedRow(line, code, checked.day, previous.id, previous.supersedes_id, True))
            continue
        to_write.append((line, code, checked, previous, changes))
    if not to_write:
        report.accepted.sort(key=lambda accepted: accepted.line)
        return report

    # One savepoint for all accepted rows: a failure on any of them leaves none written.
    with session.begin_nested():
        for line, code, checked, previous, changes in to_write:
            version = _new_version(principal, code, checked, now, CHANNEL_UPLOAD, previous)
            session.add(version)
            session.flush()
            audit.record(
                session,
                principal,
                "tracing.report",
                "tracing_daily",
                version.id,
                channel=CHANNEL_UPLOAD,
                remote_addr=remote_addr,
                detail={**_audit_detail(code, checked, previous, changes), "file": filename, "line": line},
            )
            assert checked.day is not None
            report.accepted.append(AcceptedRow(line, code, checked.day, version.id, version.supersedes_id))
        audit.record(
            session,
            principal,
            "tracing.upload",
            "upload",
            filename[:200],
            channel=CHANNEL_UPLOAD,
            remote_addr=remote_addr,
            detail={
                "file": filename,
                "accepted": len(report.accepted),
                "written": len(to_write),
                "rejected": len(report.rejected),
                "rejected_lines": [rejected.line for rejected in report.rejected],
                "encoding": report.encoding,
            },
        )
    report.accepted.sort(key=lambda accepted: accepted.line)
    report.saved = True
    return report


def template_csv() -> str:
    """An empty template with the expected French headers, for the page's download link."""
    return ";".join(UPLOAD_COLUMNS) + "\n"


# --- Clusters -----------------------------------------------------------------------------------------------------


def _text(field_name: str, raw: object, max_length: int, errors: list[FieldError], *, required: bool) -> str | None:
    name = label(field_name)
    if raw is not None and not isinstance(raw, str):
        errors.append(FieldError(field_name, f"{name} : texte attendu.", "text"))
        return None
    text = " ".join((raw or "").split()) or None
    if text is None:
        if required:
            errors.append(FieldError(field_name, f"{name} : valeur obligatoire.", "required"))
        return None
    if len(text) > max_length:
        errors.append(
            FieldError(field_name, f"{name} : {max_length} caractères au plus (reçu {len(text)}).", "max_length")
        )
        return None
    if _EMAIL.search(text) or _PHONE.search(text):
        errors.append(
            FieldError(
                field_name,
                f"{name} : pas d'adresse électronique ni de numéro de téléphone (aucune donnée personnelle).",
                "personal_data",
            )
        )
        return None
    return text


def _choice(field_name: str, raw: object, choices: Mapping[str, str], errors: list[FieldError]) -> str | None:
    name = label(field_name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        errors.append(FieldError(field_name, f"{name} : valeur obligatoire.", "required"))
        return None
    if not isinstance(raw, str) or raw.strip() not in choices:
        known = ", ".join(f"{key} ({text})" for key, text in choices.items())
        errors.append(FieldError(field_name, f"{name} : « {raw} » inconnu ; valeurs possibles : {known}.", "unknown"))
        return None
    return raw.strip()


def _cases(raw: object, errors: list[FieldError]) -> int | None:
    if raw is None or (isinstance(raw, str) and is_missing(raw)):
        return 0
    return _parse_count("cases", raw, errors)


def validate_cluster(
    values: Mapping[str, object], *, today: date, current: Cluster | None = None
) -> tuple[dict[str, object], list[FieldError]]:
    """Parse and check a cluster's fields (all of them, already merged with the current ones for an update).

    closed_on is required when the status is closed, must be on or after opened_on and not in the future,
    and must be empty otherwise; an update must follow ``CLUSTER_TRANSITIONS``.
    """
    errors: list[FieldError] = []
    parsed: dict[str, object] = {
        "department_code": normalize_department_code(values.get("department_code")) or None,
        "commune": _text("commune", values.get("commune"), MAX_COMMUNE, errors, required=False),
        "label": _text("label", values.get("label"), MAX_LABEL, errors, required=True),
        "setting": _choice("setting", values.get("setting"), CLUSTER_SETTINGS, errors),
        "status": _choice("status", values.get("status"), CLUSTER_STATUSES, errors),
        "cases": _cases(values.get("cases"), errors),
    }
    if parsed["department_code"] is None:
        errors.append(_required_department())
    opened = parse_day("opened_on", values.get("opened_on"), errors)
    closed_raw = values.get("closed_on")
    closed_given = not (closed_raw is None or (isinstance(closed_raw, str) and is_missing(closed_raw)))
    closed = parse_day("closed_on", closed_raw, errors) if closed_given else None
    parsed["opened_on"], parsed["closed_on"] = opened, closed
    for name, day in (("opened_on", opened), ("closed_on", closed)):
        if day is not None and day > today:
            errors.append(FieldError(name, f"{label(name)} : le {day:%d/%m/%Y} est dans le futur.", "future_day"))

    status = parsed["status"]
    if status == "closed" and not closed_given:
        errors.append(
            FieldError(
                "closed_on", f"{label('closed_on')} : obligatoire pour un cluster clôturé.", "closed_on_required"
            )
        )
    if status is not None and status != "closed" and closed_given:
        errors.append(
            FieldError(
                "closed_on",
                f"{label('closed_on')} : seulement pour un cluster clôturé "
                f"(statut « {CLUSTER_STATUSES[str(status)]} »).",
                "closed_on_only_when_closed",
            )
        )
    if opened is not None and closed is not None and closed < opened:
        errors.append(
            FieldError(
                "closed_on",
                f"{label('closed_on')} ({closed:%d/%m/%Y}) ne peut pas précéder {label('opened_on')} "
                f"({opened:%d/%m/%Y}).",
                "closed_after_opened",
            )
        )
    if current is not None and status is not None and status != current.status:
        possible = CLUSTER_TRANSITIONS.get(current.status, frozenset())
        if status not in possible:
            choices = ", ".join(f"« {CLUSTER_STATUSES[s]} »" for s in CLUSTER_STATUSES if s in possible) or "aucun"
            errors.append(
                FieldError(
                    "status",
                    f"{label('status')} : passage de « {CLUSTER_STATUSES.get(current.status, current.status)} » à "
                    f"« {CLUSTER_STATUSES[str(status)]} » impossible (possibles : {choices}).",
                    "transition",
                )
            )
    return parsed, errors


def _required_department() -> FieldError:
    return FieldError("department_code", f"{label('department_code')} : valeur obligatoire.", "required")


def _unknown_department(code: object) -> FieldError:
    return FieldError("department_code", f"{label('department_code')} : « {code} » inconnu.", "unknown_department")


def _cluster_values(cluster: Cluster) -> dict[str, object]:
    return {name: getattr(cluster, name) for name in CLUSTER_FIELDS}


def _jsonable(values: Mapping[str, object]) -> dict[str, object]:
    return {name: value.isoformat() if isinstance(value, date) else value for name, value in values.items()}


def create_cluster(
    session: Session,
    principal: Principal | None,
    values: Mapping[str, object],
    *,
    now: datetime | None = None,
    remote_addr: str | None = None,
) -> tuple[Cluster | None, list[FieldError]]:
    """Authorise on the cluster's department, validate, then insert it; the status defaults to « Signalé ».

    Raises PermissionDenied when the principal may not write clusters of that department; nothing is written
    on a refusal or an error.
    """
    now = now or utcnow()
    code = normalize_department_code(values.get("department_code"))
    if not code:
        return None, [_required_department()]
    if session.get(Department, code) is None:
        return None, [_unknown_department(values.get("department_code"))]
    authorize(session, principal, "cluster.write", department_code=code)
    assert principal is not None
    merged = {"status": "signal", **{name: values[name] for name in CLUSTER_FIELDS if name in values}}
    parsed, errors = validate_cluster(merged, today=local_today(code, now))
    if errors:
        return None, errors
    cluster = Cluster(**parsed, updated_at=now, updated_by_id=principal.user_id)
    session.add(cluster)
    session.flush()
    audit.record(
        session,
        principal,
        "cluster.create",
        "cluster",
        cluster.id,
        remote_addr=remote_addr,
        detail={"values": _jsonable(parsed)},
    )
    return cluster, []


def update_cluster(
    session: Session,
    principal: Principal | None,
    cluster_id: int,
    values: Mapping[str, object],
    *,
    now: datetime | None = None,
    remote_addr: str | None = None,
) -> tuple[Cluster | None, list[FieldError]]:
    """Change some fields of a cluster (those not given keep their value) and audit every change.

    Reopening a closed cluster clears its closing date unless one is given. Moving a cluster to another
    department needs the right to write clusters there too. Raises PermissionDenied when refused.
    """
    now = now or utcnow()
    cluster = session.get(Cluster, cluster_id)
    if cluster is None:
        return None, [FieldError("cluster_id", f"Cluster n° {cluster_id} inconnu.", "unknown_cluster")]
    authorize(session, principal, "cluster.write", department_code=cluster.department_code)
    assert principal is not None

    before = _cluster_values(cluster)
    merged = {**before, **{name: values[name] for name in CLUSTER_FIELDS if name in values}}
    if merged.get("status") != "closed" and "closed_on" not in values:
        merged["closed_on"] = None
    code = normalize_department_code(merged.get("department_code"))
    if code != cluster.department_code:
        if not code:
            return None, [_required_department()]
        if session.get(Department, code) is None:
            return None, [_unknown_department(merged.get("department_code"))]
        authorize(session, principal, "cluster.write", department_code=code)
    parsed, errors = validate_cluster(merged, today=local_today(code, now), current=cluster)
    if errors:
        return None, errors
    changes = {
        name: {"before": before[name], "after": parsed[name]} for name in CLUSTER_FIELDS if before[name] != parsed[name]
    }
    if not changes:
        return None, [FieldError("cluster_id", "Aucune valeur modifiée : rien à enregistrer.", "no_change")]
    for name in changes:
        setattr(cluster, name, parsed[name])
    cluster.updated_at = now
    cluster.updated_by_id = principal.user_id
    session.flush()
    audit.record(
        session,
        principal,
        "cluster.update",
        "cluster",
        cluster.id,
        remote_addr=remote_addr,
        detail={
            "department_code": cluster.department_code,
            "changes": {name: _jsonable(change) for name, change in changes.items()},
        },
    )
    return cluster, []
