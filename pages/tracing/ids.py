"""Component IDs of the contact-tracing coverage page, declared once and page-prefixed."""

from enum import StrEnum


class Ids(StrEnum):
    RATE = "tracing-rate"
    PERIOD = "tracing-period"
    LEVEL = "tracing-level"
    VIEW = "tracing-view"
    CLUSTER_LAYER = "tracing-cluster-layer"
    RESET = "tracing-reset"
    SELECTION = "tracing-selection"
    AS_OF = "tracing-as-of"
    PERIOD_NOTE = "tracing-period-note"
    KPIS = "tracing-kpis"
    KPIS_TITLE = "tracing-kpis-title"
    MAP = "tracing-map"
    TIMELINE = "tracing-timeline"
    TIMELINE_TITLE = "tracing-timeline-title"
    TABLE = "tracing-table"
    TABLE_TITLE = "tracing-table-title"
    EXPORT_CSV = "tracing-export-csv"
    EXPORT_XLSX = "tracing-export-xlsx"
    DOWNLOAD = "tracing-download"
    CLUSTER_STATUS = "tracing-cluster-status"
    CLUSTER_SETTING = "tracing-cluster-setting"
    CLUSTERS = "tracing-clusters"
    CLUSTERS_TITLE = "tracing-clusters-title"


KPI = "tracing-kpi"
