"""Shared pieces of server-side validation: a field error that names its rule, and whole-number parsing."""

from __future__ import annotations

from dataclasses import dataclass

from services.importers.tabular import is_missing, parse_int


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
