"""Component IDs of the overview page, declared once for layout and callbacks."""

from enum import StrEnum


class Ids(StrEnum):
    LEVEL = "overview-level"
    SCOPE = "overview-scope"
    VIEW = "overview-view"
    MAP = "overview-map"
    SELECTION = "overview-selection"
    RESET = "overview-reset"
    KPIS = "overview-kpis"
    TIMELINE = "overview-timeline"
    TIMELINE_TITLE = "overview-timeline-title"
    TABLE = "overview-table"
    TABLE_TITLE = "overview-table-title"
    AS_OF = "overview-as-of"
