"""Territory choices of the comparison: France, regions and departments, as "level:code" dropdown values."""

from __future__ import annotations

from sqlalchemy.orm import Session

from data_access.queries import testing

LEVEL_ORDER = ("country", "region", "department")
FRANCE = f"country:{testing.COUNTRY_CODE}"


def value(level: str, code: str) -> str:
    return f"{level}:{code}"


def parse(choice: str) -> tuple[str, str]:
    """ "department:57" → ("department", "57"); raises ValueError on anything else."""
    level, _, code = choice.partition(":")
    if level not in LEVEL_ORDER or not code:
        raise ValueError(f"unknown territory {choice!r}")
    return level, code


def label(level: str, code: str, name: str) -> str:
    if level == "department":
        return f"{code} — {name}"
    if level == "region":
        return f"Région {name}"
    return name


def options(session: Session) -> list[dict[str, str]]:
    """France first, then the regions, then the departments, each labelled as a user searches for it."""
    return [
        {"label": label(level, code, name), "value": value(level, code)}
        for level in LEVEL_ORDER
        for code, name in testing.territory_names(session, level).items()
    ]
