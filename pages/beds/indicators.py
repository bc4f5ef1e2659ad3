"""The bed indicators the page can map: column, French label, bands and how to format a value."""

from __future__ import annotations

from dataclasses import dataclass

from components import formatting
from settings import Band, settings


@dataclass(frozen=True)
class Indicator:
    column: str
    label: str
    bands_key: str
    percent: bool

    @property
    def bands(self) -> tuple[Band, ...]:
        return settings.bands[self.bands_key]

    def format(self, value: float | None) -> str:
        return formatting.percent(value) if self.percent else formatting.number(value)


INDICATORS = {
    "occupancy": Indicator("occupancy", "Occupation des lits ouverts", "occupancy", True),
    "free_beds": Indicator("free_beds", "Lits libres", "free_beds", False),
    "tension": Indicator("tension", "Tension hospitalière (soins critiques)", "tension", True),
    "covid_share": Indicator("covid_share", "Part des lits occupés par des patients COVID", "covid_share", True),
}
