"""Read a CSV or XLSX file as French agencies and hospital software write them, every cell as text.

Handles: UTF-8 with or without BOM, Latin-1 (cp1252), `;` or `,` or tab separators, quoted or unquoted
fields, LF/CRLF (even mixed within one file), and XLSX. Numbers stay text here; `parse_int`/`parse_float`
turn them into numbers with the French decimal comma, so that each caller can name the bad cell.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

MISSING = {"", "na", "n/a", "nan", "null", "#n/a", "none"}


class TabularError(ValueError):
    """The file as a whole cannot be read; the message is meant for the person who sent it."""


@dataclass(frozen=True)
class Table:
    """Header names (stripped, as written) and rows of text; ``line_numbers[i]`` is row i's line in the file."""

    columns: list[str]
    rows: list[list[str]]
    line_numbers: list[int]
    encoding: str
    delimiter: str

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes: UTF-8 (BOM or not) first, then cp1252 / Latin-1, which always succeeds."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(header_line: str) -> str:
    """The separator is whichever of ; , tab | appears most in the header line (outside quotes)."""
    counts = {sep: 0 for sep in (";", ",", "\t", "|")}
    in_quotes = False
    for char in header_line:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ";"


def read_csv_text(text: str, encoding: str = "utf-8") -> Table:
    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise TabularError("Le fichier est vide.")
    delimiter = sniff_delimiter(lines[0])
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    for row in reader:
        if header is None:
            if not any(cell.strip() for cell in row):
                continue
            header = [cell.strip().lstrip("\ufeff") for cell in row]
            continue
        if not any(cell.strip() for cell in row):
            continue
        rows.append([cell.strip() for cell in row])
        line_numbers.append(reader.line_num)
    if header is None:
        raise TabularError("Le fichier est vide.")
    return Table(header, rows, line_numbers, encoding, delimiter)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise TabularError("Le fichier XLSX est illisible ou corrompu.") from exc
    sheet = workbook.worksheets[0]
    header: list[str] | None = None
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if value is None else _cell_text(value) for value in values]
        if not any(cells):
            continue
        if header is None:
            header = cells
            continue
        rows.append(cells)
        line_numbers.append(index)
    workbook.close()
    if header is None:
        raise TabularError("Le fichier est vide.")
    return Table(header, rows, line_numbers, "xlsx", "")


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(source: bytes | str | Path, filename: str | None = None) -> Table:
    """Read a file given as bytes or a path; XLSX is recognised by its ZIP signature, not only its name."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        data = path.read_bytes()
    else:
        data = source
    if not data.strip():
        raise TabularError("Le fichier est vide.")
    if data[:4] == b"PK\x03\x04" or (filename or "").lower().endswith(".xlsx"):
        return read_xlsx(data)
    text, encoding = decode(data)
    return read_csv_text(text, encoding)


def is_missing(value: str | None) -> bool:
    return value is None or value.strip().lower() in MISSING


def parse_float(value: str) -> float:
    """Parse '1 234,5', '1234.5' or '4,00'; raise ValueError with the text if it is not a number."""
    cleaned = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        raise ValueError(f"« {value} » n'est pas un nombre") from None


def parse_int(value: str) -> int:
    """Parse a whole number, accepting '12', '12,00' or '12.0'; refuse '12,5'."""
    number = parse_float(value)
    if not number.is_integer():
        raise ValueError(f"« {value} » n'est pas un nombre entier")
    return int(number)
