"""The demo seed fills every domain, keeps the hard rules, shows alerts, and gives the same rows for the same inputs."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from data_access import models
from data_access.models import (
    ALL_AGES,
    BedReport,
    Cluster,
    Establishment,
    HospitalOpenData,
    Mission,
    Molecule,
    SlotReport,
    StaffingNeed,
    StockReport,
    TracingDaily,
    Unit,
    User,
    Volunteer,
    WaitingListEntry,
)
from services.auth import verify_password
from services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoError, DemoSummary, seed_demo
from tests.conftest import new_database

# Not imported by name: pytest would try to collect a class called "Test…".
SidepCount = models.TestCount
END = date(2020, 11, 15)
NOW = datetime(2020, 11, 15, 18, 0, tzinfo=UTC)
DAYS = 30
DEPARTMENTS = ("54", "57", "75")


def _seed(session: Session, **overrides: object) -> DemoSummary:
    arguments: dict[str, object] = {"end": END, "days": DAYS, "departments": DEPARTMENTS, "now": NOW}
    arguments.update(overrides)
    return seed_demo(session, **arguments)  # type: ignore[arg-type]


@pytest.fixture
def seeded(session: Session) -> DemoSummary:
    return _seed(session)


def _digest(session: Session) -> str:
    """Fingerprint of bed, stock and test figures, independent of database ids and backend."""
    beds = session.execute(
        select(Establishment.finess, Unit.name, BedReport.reported_at, BedReport.occupied, BedReport.occupied_covid)
        .join(Unit, Unit.id == BedReport.unit_id)
        .join(Establishment, Establishment.id == Unit.establishment_id)
        .order_by(Establishment.finess, Unit.name, BedReport.reported_at)
    )
    stocks = session.execute(
        select(Establishment.finess, StockReport.molecule_code, StockReport.reported_at, StockReport.stock_on_hand)
        .join(Establishment, Establishment.id == StockReport.establishment_id)
        .order_by(Establishment.finess, StockReport.molecule_code, StockReport.reported_at)
    )
    tests = session.execute(
        select(SidepCount.territory_code, SidepCount.day, SidepCount.age_class, SidepCount.tests, SidepCount.positives)
        .order_by(SidepCount.territory_code, SidepCount.day, SidepCount.age_class)
    )
    digest = hashlib.sha256()
    for row in [*beds, *stocks, *tests]:
        digest.update(repr([v.isoformat() if isinstance(v, date) else v for v in row]).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def reference_digests(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    """Seeds committed into fresh SQLite files: the reference the rollback-scoped seeds must match."""
    digests = {}
    for seed in (2020, 2021):
        engine = new_database("sqlite", tmp_path_factory)
        try:
            with Session(engine) as session, session.begin():
                _seed(session, seed=seed)
            with Session(engine) as session:
                digests[seed] = _digest(session)
        finally:
            engine.dispose()
    return digests


def test_every_domain_has_rows_for_each_department(session: Session, seeded: DemoSummary) -> None:
    assert seeded.departments == DEPARTMENTS
    assert seeded.start == END - timedelta(days=DAYS - 1)
    establishment_department = Establishment.department_code
    per_table = {
        "bed_reports": select(establishment_department, func.count())
        .select_from(BedReport)
        .join(Unit, Unit.id == BedReport.unit_id)
        .join(Establishment, Establishment.id == Unit.establishment_id),
        "stock_reports": select(establishment_department, func.count())
        .select_from(StockReport)
        .join(Establishment, Establishment.id == StockReport.establishment_id),
        "staffing_needs": select(establishment_department, func.count())
        .select_from(StaffingNeed)
        .join(Establishment, Establishment.id == StaffingNeed.establishment_id),
        "missions": select(establishment_department, func.count())
        .select_from(Mission)
        .join(Establishment, Establishment.id == Mission.establishment_id),
        "slot_reports": select(establishment_department, func.count())
        .select_from(SlotReport)
        .join(Establishment, Establishment.id == SlotReport.establishment_id),
        "test_counts": select(SidepCount.territory_code, func.count()),
        "tracing_daily": select(TracingDaily.department_code, func.count()),
        "clusters": select(Cluster.department_code, func.count()),
        "waiting_list": select(WaitingListEntry.department_code, func.count()),
        "hospital_open_data": select(HospitalOpenData.department_code, func.count()),
    }
    for table, query in per_table.items():
        counts = dict(session.execute(query.group_by(query.selected_columns[0])).all())
        assert set(counts) == set(DEPARTMENTS), table
        assert sum(counts.values()) == getattr(seeded, table), table
    kinds = session.execute(
        select(Establishment.department_code, Establishment.kind, func.count()).group_by(
            Establishment.department_code, Establishment.kind
        )
    ).all()
    by_department: dict[str, dict[str, int]] = {}
    for code, kind, count in kinds:
        by_department.setdefault(code, {})[kind] = count
    for code in DEPARTMENTS:
        hospitals = sum(by_department[code].get(k, 0) for k in ("CHU", "CH", "CLINIQUE", "ESPIC"))
        assert 2 <= hospitals <= 4
        assert by_department[code].get("PUI", 0) >= 1
        assert 1 <= by_department[code].get("VACCINATION", 0) <= 2
    # FINESS numbers are 9 characters starting with the department code; PUIs belong to a hospital.
    for finess, code, kind, parent_id in session.execute(
        select(Establishment.finess, Establishment.department_code, Establishment.kind, Establishment.parent_id)
    ):
        assert finess is not None and len(finess) == 9 and finess.startswith(code)
        assert (parent_id is not None) if kind == "PUI" else True
    volunteer_regions = set(session.scalars(select(Volunteer.region_code).distinct()))
    assert volunteer_regions == {"44", "11"}
    assert session.scalar(select(func.count()).select_from(Volunteer)) == seeded.volunteers


def test_same_inputs_give_the_same_data(session: Session, seeded: DemoSummary,
                                        reference_digests: dict[int, str]) -> None:
    assert _digest(session) == reference_digests[2020]
    assert reference_digests[2021] != reference_digests[2020]


def test_hard_rules_hold(session: Session, seeded: DemoSummary) -> None:
    assert seeded.bed_reports > 0
    bed_violations = select(func.count()).select_from(BedReport).where(
        or_(
            BedReport.occupied_covid < 0,
            BedReport.occupied_covid > BedReport.occupied,
            BedReport.occupied > BedReport.open_beds,
            BedReport.open_beds > BedReport.installed,
            BedReport.vent_invasive_used + BedReport.vent_noninvasive_used > BedReport.occupied,
            BedReport.ecmo_used > BedReport.vent_invasive_used,
            BedReport.vent_invasive_available < 0,
            BedReport.ecmo_available < 0,
            BedReport.channel != "demo",
        )
    )
    assert session.scalar(bed_violations) == 0

    total = aliased(SidepCount)
    by_age = (
        select(
            SidepCount.territory_code,
            SidepCount.day,
            func.sum(SidepCount.tests).label("tests"),
            func.sum(SidepCount.positives).label("positives"),
            func.sum(SidepCount.population).label("population"),
            func.count().label("classes"),
        )
        .where(SidepCount.age_class != ALL_AGES)
        .group_by(SidepCount.territory_code, SidepCount.day)
        .subquery()
    )
    pairs = session.execute(
        select(total.tests, by_age.c.tests, total.positives, by_age.c.positives, total.population,
               by_age.c.population, by_age.c.classes)
        .join(by_age, and_(by_age.c.territory_code == total.territory_code, by_age.c.day == total.day))
        .where(total.age_class == ALL_AGES)
    ).all()
    assert len(pairs) == DAYS * len(DEPARTMENTS)
    for tests, age_tests, positives, age_positives, population, age_population, classes in pairs:
        assert (tests, positives, classes) == (age_tests, age_positives, 10)
        assert age_population == pytest.approx(population)
    assert session.scalar(select(func.count()).where(SidepCount.positives > SidepCount.tests)) == 0
    assert session.scalar(select(func.count()).where(SidepCount.source != "demo")) == 0

    tracing_violations = select(func.count()).select_from(TracingDaily).where(
        or_(
            TracingDaily.index_reached_4h > TracingDaily.new_cases,
            TracingDaily.contacts_reached_24h > TracingDaily.contacts_identified,
            TracingDaily.cases_known_as_contacts > TracingDaily.new_cases,
            TracingDaily.index_reached_4h < 0,
        )
    )
    assert session.scalar(tracing_violations) == 0
    assert session.scalar(select(func.count()).select_from(TracingDaily)) == DAYS * len(DEPARTMENTS)

    slot_violations = select(func.count()).select_from(SlotReport).where(
        or_(
            SlotReport.slots_booked > SlotReport.slots_offered,
            SlotReport.doses_administered > SlotReport.slots_booked,
            and_(SlotReport.day <= END, SlotReport.no_shows != SlotReport.slots_booked - SlotReport.doses_administered),
            and_(SlotReport.day > END, SlotReport.doses_administered != 0),
            SlotReport.leftover_doses > SlotReport.no_shows,
        )
    )
    assert session.scalar(slot_violations) == 0
    assert session.scalar(select(func.count()).where(SlotReport.day > END)) > 0
    waiting = session.execute(select(WaitingListEntry.age, WaitingListEntry.priority)).all()
    assert waiting and all(priority == (1 if age >= 75 else 0) for age, priority in waiting)


def test_some_establishments_are_late_and_some_icus_full(session: Session, seeded: DemoSummary) -> None:
    latest = session.execute(
        select(Establishment.id, func.max(BedReport.reported_at))
        .join(Unit, Unit.establishment_id == Establishment.id)
        .join(BedReport, BedReport.unit_id == Unit.id)
        .group_by(Establishment.id)
    ).all()
    ages = [(NOW - reported_at) / timedelta(hours=1) for _, reported_at in latest]
    assert all(age > 0 for age in ages)
    stale = [age for age in ages if 12 < age <= 24]
    overdue = [age for age in ages if age > 24]
    assert stale and overdue
    assert len(ages) - len(stale) - len(overdue) > len(ages) / 2

    newest = (
        select(BedReport.unit_id, func.max(BedReport.reported_at).label("at")).group_by(BedReport.unit_id).subquery()
    )
    icus = session.execute(
        select(BedReport.occupied, BedReport.open_beds)
        .join(newest, and_(newest.c.unit_id == BedReport.unit_id, newest.c.at == BedReport.reported_at))
        .join(Unit, Unit.id == BedReport.unit_id)
        .where(Unit.bed_type_code == "REA_ADULTE")
    ).all()
    assert icus
    assert any(occupied >= 0.95 * open_beds for occupied, open_beds in icus)
    assert any(occupied < 0.95 * open_beds for occupied, open_beds in icus)


def test_some_pharmacy_runs_short_and_one_is_stale(session: Session, seeded: DemoSummary) -> None:
    critical = set(session.scalars(select(Molecule.code).where(Molecule.critical)))
    newest = (
        select(
            StockReport.establishment_id,
            StockReport.molecule_code,
            func.max(StockReport.reported_at).label("at"),
        )
        .group_by(StockReport.establishment_id, StockReport.molecule_code)
        .subquery()
    )
    latest = session.execute(
        select(StockReport.establishment_id, StockReport.molecule_code, StockReport.stock_on_hand, newest.c.at).join(
            newest,
            and_(
                newest.c.establishment_id == StockReport.establishment_id,
                newest.c.molecule_code == StockReport.molecule_code,
                newest.c.at == StockReport.reported_at,
            ),
        )
    ).all()
    consumption = dict(
        ((establishment_id, molecule), mean)
        for establishment_id, molecule, mean in session.execute(
            select(StockReport.establishment_id, StockReport.molecule_code, func.avg(StockReport.consumed_last_24h))
            .where(StockReport.reported_at > NOW - timedelta(days=7))
            .group_by(StockReport.establishment_id, StockReport.molecule_code)
        )
    )
    covers = [
        stock / float(consumption[(establishment_id, molecule)])
        for establishment_id, molecule, stock, _ in latest
        if molecule in critical and consumption.get((establishment_id, molecule))
    ]
    assert any(cover < 3 for cover in covers)
    assert sum(cover >= 7 for cover in covers) > len(covers) / 2
    last_by_pui: dict[int, datetime] = {}
    for establishment_id, _, _, at in latest:
        last_by_pui[establishment_id] = max(at, last_by_pui.get(establishment_id, at))
    assert any(NOW - at > timedelta(days=3) for at in last_by_pui.values())
    assert any(NOW - at < timedelta(days=1) for at in last_by_pui.values())


def test_wave_moves_across_regions_and_hospitals_follow(session: Session) -> None:
    # Grand Est is hit first, Brittany weeks later; hospital load peaks about ten days after cases.
    _seed(session, days=90, departments=("54", "35"))

    def peak_day(rows: list[tuple[date, int]]) -> date:
        values = dict(rows)
        days = sorted(values)
        weekly = {day: sum(values.get(day - timedelta(days=k), 0) for k in range(7)) for day in days[6:]}
        return max(weekly, key=lambda day: weekly[day])

    def cases(code: str) -> list[tuple[date, int]]:
        query = select(SidepCount.day, SidepCount.positives).where(
            SidepCount.territory_code == code, SidepCount.age_class == ALL_AGES
        )
        return [(day, positives) for day, positives in session.execute(query)]

    grand_est, brittany = peak_day(cases("54")), peak_day(cases("35"))
    assert (brittany - grand_est).days >= 14
    hospital = session.execute(
        select(HospitalOpenData.day, HospitalOpenData.hospitalised).where(HospitalOpenData.department_code == "54")
    ).all()
    hospital_peak = max(hospital, key=lambda row: row[1])[0]
    assert 4 <= (hospital_peak - grand_est).days <= 18
    positivity = session.execute(
        select(func.sum(SidepCount.positives), func.sum(SidepCount.tests))
        .where(SidepCount.territory_code == "54", SidepCount.age_class == ALL_AGES)
        .group_by(SidepCount.day)
        .order_by(SidepCount.day)
    ).all()
    assert positivity[0][0] / positivity[0][1] < 0.05 < max(p / t for p, t in positivity)
    administered = session.execute(
        select(SlotReport.day, func.sum(SlotReport.doses_administered)).where(SlotReport.day <= END).group_by(
            SlotReport.day
        )
    ).all()
    first_week = sum(n for day, n in administered if day < END - timedelta(days=82))
    last_week = sum(n for day, n in administered if day > END - timedelta(days=7))
    assert last_week > 3 * first_week > 0


def test_second_seed_is_refused(session: Session, seeded: DemoSummary) -> None:
    before = session.scalar(select(func.count()).select_from(Establishment))
    with pytest.raises(DemoError, match="La base contient déjà des établissements"):
        _seed(session, departments=("13",))
    assert session.scalar(select(func.count()).select_from(Establishment)) == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"departments": ("54", "99", "2c", "971", "1")}, "99, 1, 2C"),
        ({"days": 3}, "days"),
        ({"days": 801}, "days"),
        ({"now": datetime(2020, 11, 15, 18, 0)}, "fuseau"),
        ({"now": NOW + timedelta(days=5)}, "now"),
        ({"end": date(2999, 1, 1), "now": None}, "futur"),
        ({"password": "court"}, "password"),
        ({"departments": ()}, "aucun département"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_written(
    session: Session, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(DemoError) as refusal:
        _seed(session, **overrides)
    assert isinstance(refusal.value, ValueError)
    for part in message.split(", "):
        assert part in str(refusal.value)
    assert session.scalar(select(func.count()).select_from(Establishment)) == 0
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_users_have_their_roles_scopes_and_password(session: Session, seeded: DemoSummary) -> None:
    users = {user.email: user for user in session.scalars(select(User))}
    assert set(users) == {account.email for account in DEMO_ACCOUNTS}
    assert [(a.email, a.role) for a in seeded.accounts] == [(a.email, a.role) for a in DEMO_ACCOUNTS]
    for account in DEMO_ACCOUNTS:
        user = users[account.email]
        assert user.role == account.role and user.active
    admin = users["admin@demo.fr"]
    assert verify_password(admin.password_hash, DEMO_PASSWORD)
    assert not verify_password(admin.password_hash, "mauvais-mot-de-passe")
    # One hash, computed once, serves every account.
    assert len({user.password_hash for user in users.values()}) == 1
    assert users["ars.grandest@demo.fr"].region_code == "44"
    assert {d.code for d in users["tracing@demo.fr"].departments} == {"54", "57"}
    reporter_scope = users["declarant@demo.fr"].establishments
    hospital = next(e for e in reporter_scope if e.kind != "PUI")
    assert hospital.department_code == "54" and hospital.kind in {"CHU", "CH"}
    assert {e.kind for e in reporter_scope} == {hospital.kind, "PUI"}
    assert next(e for e in reporter_scope if e.kind == "PUI").parent_id == hospital.id


def test_regional_account_falls_back_to_the_first_seeded_region(session: Session) -> None:
    summary = _seed(session, days=7, departments=("971", "2A"))
    assert summary.departments == ("2A", "971")
    users = {user.email: user for user in session.scalars(select(User))}
    assert users["ars.grandest@demo.fr"].region_code == "94"
    assert {d.code for d in users["tracing@demo.fr"].departments} == {"2A", "971"}
    assert users["declarant@demo.fr"].establishments[0].department_code == "2A"
    finess = set(session.scalars(select(Establishment.finess)))
    assert any(f.startswith("2A") for f in finess) and any(f.startswith("971") for f in finess)
