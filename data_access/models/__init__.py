"""All ORM models, importable from one place so Alembic and the app see the same metadata."""

from data_access.models.accounts import (
    ROLES,
    AuditEvent,
    ReportingLink,
    User,
    user_departments,
    user_establishments,
)
from data_access.models.base import Base, UTCDateTime, utcnow
from data_access.models.beds import BED_COUNT_FIELDS, BedReport, HospitalOpenData
from data_access.models.drugs import Molecule, StockReport
from data_access.models.staffing import Mission, Profession, StaffingNeed, Volunteer
from data_access.models.territory import (
    ESTABLISHMENT_KINDS,
    BedType,
    Department,
    Establishment,
    Region,
    Unit,
)
from data_access.models.testing import ALL_AGES, TestCount, TestWindowCount
from data_access.models.tracing import CLUSTER_SETTINGS, CLUSTER_STATUSES, Cluster, TracingDaily
from data_access.models.vaccination import SlotReport, Vaccine, WaitingListEntry

__all__ = [
    "ALL_AGES",
    "BED_COUNT_FIELDS",
    "CLUSTER_SETTINGS",
    "CLUSTER_STATUSES",
    "ESTABLISHMENT_KINDS",
    "ROLES",
    "AuditEvent",
    "Base",
    "BedReport",
    "BedType",
    "Cluster",
    "Department",
    "Establishment",
    "HospitalOpenData",
    "Mission",
    "Molecule",
    "Profession",
    "Region",
    "ReportingLink",
    "SlotReport",
    "StaffingNeed",
    "StockReport",
    "TestCount",
    "TestWindowCount",
    "TracingDaily",
    "UTCDateTime",
    "Unit",
    "User",
    "Vaccine",
    "Volunteer",
    "WaitingListEntry",
    "user_departments",
    "user_establishments",
    "utcnow",
]
