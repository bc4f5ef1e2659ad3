"""French formatting of numbers, rates and ages ("il y a 3 h") for the interface."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def number(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.0f}".replace(",", "\u202f")


def percent(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{digits}f}".replace(".", ",") + "\u00a0%"


def _missing(moment: object) -> bool:
    """None, and pandas' NaT (which is truthy and has no astimezone)."""
    return moment is None or moment != moment


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, the way a bed manager says it: « il y a 3 h », « il y a 2 j »."""
    if _missing(moment):
        return "jamais"
    now = now or datetime.now(UTC)
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        return "à l'instant"
    if minutes < 60:
        return f"il y a {minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"il y a {hours} h"
    return f"il y a {hours // 24} j"


def timestamp(moment: datetime | None) -> str:
    if _missing(moment):
        return "—"
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")
