"""Shared pieces of server-side validation: a field error that names its rule, and whole-number parsing."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from data_access.queries.beds_directory import normalize_name
from services.importers.tabular import Table, TabularError, is_missing, parse_int, read_table
from settings import settings


@dataclass(frozen=True)
class FieldError:
    """One broken rule: the field (model name), a French message naming it, and the rule's short code."""

    field: str
    message: str
    rule: str = ""


def parse_count(
    field_name: str, raw: object, errors: list[FieldError], *, name: str, required: bool = True, maximum: int
) -> int | None:
    """A whole number in [0, maximum] from an int, a whole float or text such as '12' or '12,0'.

    A missing optional value counts as 0. The maximum keeps absurd figures out, and keeps every value inside
    the database's 32-bit integer columns, so a typo is a message, never a server error.
    """
    if raw is None or (isinstance(raw, str) and is_missing(raw)):
        if required:
            errors.append(FieldError(field_name, f"{name} : valeur obligatoire.", "required"))
            return None
        return 0
    number: int | None = None
    if isinstance(raw, bool):
        number = None
    elif isinstance(raw, int):
        number = raw
    elif isinstance(raw, float):
        number = int(raw) if raw.is_integer() else None
    elif isinstance(raw, str):
        try:
            number = parse_int(raw)
        except ValueError:
            number = None
    if number is None:
        errors.append(FieldError(field_name, f"{name} : « {raw} » n'est pas un nombre entier.", "integer"))
        return None
    if number < 0:
        errors.append(FieldError(field_name, f"{name} : doit être positif ou nul (reçu {number}).", "non_negative"))
        return None
    if number > maximum:
        plausible = f"{maximum:,}".replace(",", "\u202f")
        errors.append(
            FieldError(field_name, f"{name} : {number} dépasse le maximum plausible ({plausible}).", "max_value")
        )
        return None
    return number


@dataclass
class UploadReport:
    """What happened to each row of an uploaded file. ``file_error`` set means the whole file was refused."""

    filename: str
    file_error: str | None = None
    encoding: str = ""
    delimiter: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # header as written -> expected column
    ignored_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    accepted: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    saved: bool = False


def column_key(header: str) -> str:
    """A header as a matching key: 'Lits occupés' -> 'lits_occupes'; 'Unité' -> 'unite'."""
    return normalize_name(header).replace(" ", "_")


def map_columns(
    table: Table,
    report: UploadReport,
    *,
    aliases: Mapping[str, str],
    required: Sequence[str],
    expected: Sequence[str],
    refused_header: Callable[[str], bool] | None = None,
    refusal: Callable[[list[str]], str] | None = None,
) -> dict[str, int] | None:
    """Expected column -> index in the row, matched by name (never by position).

    The whole file is refused (``report.file_error``) when a column appears twice, a required one is missing,
    or a header that ``refused_header`` flags is present (the message then comes from ``refusal``).
    Headers that match nothing are listed in ``report.ignored_columns``.
    """
    positions: dict[str, int] = {}
    flagged: list[str] = []
    for index, header in enumerate(table.columns):
        column = aliases.get(column_key(header))
        if column is None:
            if header and refused_header is not None and refused_header(header):
                flagged.append(header)
            elif header:
                report.ignored_columns.append(header)
            continue
        if column in positions:
            report.file_error = (
                f"Colonne « {column} » présente deux fois (« {table.columns[positions[column]]} » et « {header} »)."
            )
            return None
        positions[column] = index
        report.columns[header] = column
    if flagged and refusal is not None:
        report.file_error = refusal(flagged)
        return None
    missing = [column for column in required if column not in positions]
    if missing:
        report.file_error = (
            f"Colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}. Colonnes attendues : {', '.join(expected)}."
        )
        return None
    return positions


def read_upload(
    data: bytes, filename: str, report: UploadReport, columns: Callable[[Table, UploadReport], dict[str, int] | None]
) -> tuple[Table, dict[str, int]] | None:
    """The file-level checks every upload shares: size, readability, expected columns, at least one row.

    Returns the table and the column positions, or None with ``report.file_error`` saying why the whole file
    is refused.
    """
    if len(data) > settings.max_upload_bytes:
        report.file_error = (
            f"Fichier trop volumineux : {len(data):,} octets pour un maximum de "
            f"{settings.max_upload_bytes:,} octets.".replace(",", " ")
        )
        return None
    try:
        table = read_table(data, filename)
    except (TabularError, csv.Error) as exc:
        report.file_error = str(exc) if isinstance(exc, TabularError) else f"Fichier illisible : {exc}."
        return None
    report.encoding, report.delimiter = table.encoding, table.delimiter
    positions = columns(table, report)
    if positions is None:
        return None
    if not table.rows:
        report.file_error = "Le fichier ne contient aucune ligne de données."
        return None
    return table, positions
