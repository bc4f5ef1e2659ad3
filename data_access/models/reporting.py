"""Columns every append-only report carries: when, who, through which channel, and what it corrects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from data_access.models.base import UTCDateTime, utcnow

CHANNELS = ("form", "link", "upload", "api", "import", "demo")


class ReportMixin:
    """Reports are never updated: a correction is a new row whose ``supersedes_id`` names the old one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    channel: Mapped[str] = mapped_column(String(10))

    @declared_attr
    def author_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("users.id"))

    @declared_attr
    def reporting_link_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("reporting_links.id"))

    @declared_attr
    def supersedes_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"), index=True)  # type: ignore[attr-defined]
