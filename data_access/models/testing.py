"""SI-DEP test counts per territory, day and age class, as published by Santé publique France."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models.base import Base, UTCDateTime, utcnow

TERRITORY_LEVELS = ("department", "region", "country")
ALL_AGES = "0"


class TestCount(Base):
    """Tests (T) and positives (P) by sampling date; age class "0" is the all-ages total."""

    __tablename__ = "test_counts"
    __table_args__ = (
        Index("uq_test_counts_key", "level", "territory_code", "day", "age_class", unique=True),
        Index("ix_test_counts_day", "level", "day", "age_class"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    territory_code: Mapped[str] = mapped_column(String(3))
    day: Mapped[date] = mapped_column(Date)
    age_class: Mapped[str] = mapped_column(String(2), default=ALL_AGES)
    tests: Mapped[int] = mapped_column(Integer)
    positives: Mapped[int] = mapped_column(Integer)
    # The published file's population when it carries one, so rates match theirs exactly.
    population: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TestWindowCount(Base):
    """Tests and positives over a published multi-day window (ISO week, or SpF's 7-day ``sg`` windows).

    Kept apart from the daily ``test_counts`` so that weekly totals can never be summed again as if they
    were days; ``age_scheme`` says which age classes ``age_class`` belongs to (``cl_age90`` or ``cl_age18``).
    """

    __tablename__ = "test_window_counts"
    __table_args__ = (
        Index(
            "uq_test_window_counts_key",
            "level",
            "territory_code",
            "period_end",
            "period_start",
            "age_scheme",
            "age_class",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    territory_code: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    age_scheme: Mapped[str] = mapped_column(String(8))
    age_class: Mapped[str] = mapped_column(String(2), default=ALL_AGES)
    tests: Mapped[int] = mapped_column(Integer)
    positives: Mapped[int] = mapped_column(Integer)
    population: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
