"""Latest report per unit, territory totals and the daily timeline give the same answers on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import BedReport, Unit
from data_access.queries import beds
from tests import factories as f


def test_latest_report_per_unit_takes_newest_and_corrections(session: Session) -> None:
    hospital = f.establishment(session, "54")
    icu = f.unit(session, hospital, "REA_ADULTE")
    ward = f.unit(session, hospital, "MEDECINE")
    f.bed_report(session, icu, reported_at=f.hours_ago(30), occupied=5)
    newest = f.bed_report(session, icu, reported_at=f.hours_ago(2), occupied=8)
    # A correction keeps the original's time; its larger id makes it the current version.
    correction = f.bed_report(session, icu, reported_at=newest.reported_at, occupied=9, supersedes_id=newest.id)
    f.bed_report(session, ward, reported_at=f.hours_ago(1), occupied=3)
    # A correction of an older report must not become "current".
    older = f.bed_report(session, ward, reported_at=f.hours_ago(20), occupied=1)
    f.bed_report(session, ward, reported_at=older.reported_at, occupied=2, supersedes_id=older.id)

    current = beds.current_units(session, territory=("department", "54"))
    by_unit = dict(zip(current["unit_id"], current["occupied"], strict=True))
    assert by_unit == {icu.id: 9, ward.id: 3}
    assert set(current["report_id"]) >= {correction.id}


def test_latest_as_of_a_past_time(session: Session) -> None:
    hospital = f.establishment(session, "57")
    icu = f.unit(session, hospital)
    f.bed_report(session, icu, reported_at=f.hours_ago(48), occupied=4)
    f.bed_report(session, icu, reported_at=f.hours_ago(1), occupied=7)
    past = beds.current_units(session, territory=("department", "57"), as_of=f.hours_ago(24))
    assert list(past["occupied"]) == [4]
    assert beds.current_units(session, territory=("department", "57"), as_of=f.hours_ago(72)).empty


def test_territory_totals_sum_latest_reports_and_rates(session: Session) -> None:
    first = f.establishment(session, "54")
    second = f.establishment(session, "57")
    icu_1 = f.unit(session, first, "REA_ADULTE", baseline_beds=10)
    icu_2 = f.unit(session, second, "REA_ADULTE", baseline_beds=10)
    ward = f.unit(session, second, "MEDECINE", baseline_beds=30)
    f.bed_report(session, icu_1, reported_at=f.hours_ago(40), open_beds=12, occupied=6, occupied_covid=1)
    f.bed_report(session, icu_1, reported_at=f.hours_ago(3), open_beds=12, occupied=12, occupied_covid=6)
    f.bed_report(session, icu_2, reported_at=f.hours_ago(14), open_beds=10, occupied=5, occupied_covid=3)
    f.bed_report(session, ward, reported_at=f.hours_ago(2), open_beds=30, occupied=24, occupied_covid=4)

    region = beds.territory_totals(session, "region", territory=("region", "44"), stale_before=f.hours_ago(12))
    grand_est = region.set_index("code").loc["44"]
    assert grand_est["open_beds"] == 52
    assert grand_est["occupied"] == 41
    assert grand_est["free_beds"] == 11
    assert grand_est["occupancy"] == pytest.approx(41 / 52)
    # Tension: COVID patients in critical care (6 + 3) over pre-crisis critical capacity (10 + 10).
    assert grand_est["tension"] == pytest.approx(9 / 20)
    assert grand_est["stale_units"] == 1
    assert grand_est["establishments"] == 2

    critical = beds.territory_totals(
        session, "department", bed_types=["REA_ADULTE"], territory=("region", "44")
    ).set_index("code")
    assert critical.loc["57", "occupied"] == 5


def test_daily_timeline_carries_last_report_forward(session: Session) -> None:
    hospital = f.establishment(session, "13")
    icu = f.unit(session, hospital)
    day_one = f.NOW.replace(hour=8) - timedelta(days=2)
    f.bed_report(session, icu, reported_at=day_one, open_beds=10, occupied=5)
    f.bed_report(session, icu, reported_at=day_one + timedelta(hours=6), open_beds=10, occupied=6)
    f.bed_report(session, icu, reported_at=day_one + timedelta(days=2), open_beds=10, occupied=9)
    frame = beds.daily_timeline(
        session, start=(day_one - timedelta(days=1)).date(), end=f.NOW.date(), territory=("department", "13")
    )
    occupied = dict(zip(frame["day"].dt.date, frame["occupied"], strict=True))
    # The day before the first report has no row; the day without a report keeps the previous figure.
    assert occupied == {day_one.date(): 6, (day_one + timedelta(days=1)).date(): 6, f.NOW.date(): 9}


def test_reports_are_append_only_rows(session: Session) -> None:
    hospital = f.establishment(session, "75")
    icu = f.unit(session, hospital)
    original = f.bed_report(session, icu, occupied=3)
    f.bed_report(session, icu, reported_at=original.reported_at, occupied=4, supersedes_id=original.id)
    rows = session.scalars(select(BedReport).join(Unit).where(Unit.id == icu.id).order_by(BedReport.id)).all()
    assert [row.occupied for row in rows] == [3, 4]
    assert rows[1].supersedes_id == rows[0].id
