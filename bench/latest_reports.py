"""Benchmark: does the "current situation" query stay flat as bed-report history grows?

Builds two databases with the same establishments and units (national scale: ~3,000 units) but different
history depths, then times, in one run and alternating, the app's query (latest report per unit through the
(unit_id, reported_at, id) index, summed per department) against a naive window-function query that ranks
the whole history. Ratios within one run are what to read; these machines are noisy.

    .venv/bin/python -m bench.latest_reports                       # SQLite files under bench/results/
    .venv/bin/python -m bench.latest_reports --url postgresql+psycopg://postgres@127.0.0.1/bench_beds
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from data_access.db import make_engine
from data_access.models import BedReport, BedType, Department, Establishment, Unit
from data_access.queries import beds
from data_access.schema import upgrade
from services.reference import load_reference

RESULTS = Path(__file__).resolve().parent / "results"
NAIVE_SQL = """
SELECT e.department_code AS code, SUM(r.occupied) AS occupied, SUM(r.open_beds) AS open_beds
FROM (SELECT unit_id, occupied, open_beds,
             ROW_NUMBER() OVER (PARTITION BY unit_id ORDER BY reported_at DESC, id DESC) AS rank
      FROM bed_reports) AS r
JOIN units u ON u.id = r.unit_id JOIN establishments e ON e.id = u.establishment_id
WHERE r.rank = 1 GROUP BY e.department_code
"""


def build(engine: Engine, units_per_department: int, reports_per_unit: int, seed: int = 7) -> int:
    """Same establishments and units for every depth; ``reports_per_unit`` snapshots each, 8 h apart."""
    upgrade(engine)
    rng = random.Random(seed)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        load_reference(session)
        if session.scalar(select(func.count(BedReport.id))):
            return session.scalar(select(func.count(BedReport.id)))
        codes = list(session.scalars(select(Department.code)))
        types = list(session.scalars(select(BedType.code)))
        unit_ids: list[int] = []
        for code in codes:
            department = session.get(Department, code)
            for number in range(units_per_department // 5):
                hospital = Establishment(
                    finess=f"{code}{number:0{9 - len(code)}d}",
                    name=f"CH {code}-{number}",
                    kind="CH",
                    department_code=code,
                    commune="X",
                    latitude=department.latitude,
                    longitude=department.longitude,
                )
                session.add(hospital)
                session.flush()
                for bed_type in types[:5]:
                    unit = Unit(establishment_id=hospital.id, name=bed_type, bed_type_code=bed_type, baseline_beds=20)
                    session.add(unit)
                    session.flush()
                    unit_ids.append(unit.id)
        batch: list[dict] = []
        for unit_id in unit_ids:
            for step in range(reports_per_unit):
                open_beds = 20 + rng.randint(0, 10)
                occupied = rng.randint(0, open_beds)
                batch.append(
                    {
                        "unit_id": unit_id,
                        "reported_at": now - timedelta(hours=8 * step),
                        "recorded_at": now,
                        "channel": "demo",
                        "installed": open_beds,
                        "open_beds": open_beds,
                        "occupied": occupied,
                        "occupied_covid": occupied // 3,
                    }
                )
                if len(batch) >= 20_000:
                    session.execute(insert(BedReport), batch)
                    batch.clear()
        if batch:
            session.execute(insert(BedReport), batch)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return len(unit_ids) * reports_per_unit


def timed(action, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def app_query(engine: Engine) -> None:
    with Session(engine) as session:
        beds.territory_totals(session, "department")


def france_timeline(engine: Engine, days: int) -> None:
    """The overview's default timeline: the situation at the end of each day, for the whole country."""
    end = datetime(2026, 12, 1, tzinfo=UTC).date()
    with Session(engine) as session:
        beds.daily_timeline(session, start=end - timedelta(days=days - 1), end=end)


def naive_query(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text(NAIVE_SQL)).all()


def engine_for(url: str | None, depth: int) -> Engine:
    if url is None:
        RESULTS.mkdir(exist_ok=True)
        return make_engine(f"sqlite:///{RESULTS / f'beds-depth-{depth}.db'}")
    target = make_url(url)
    name = f"{target.database}_{depth}"
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(target.set(database=name).render_as_string(hide_password=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="PostgreSQL URL (a database per depth is created beside it)")
    parser.add_argument("--units-per-department", type=int, default=30)
    parser.add_argument("--depths", default="10,300", help="reports per unit, comma-separated")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    depths = [int(depth) for depth in args.depths.split(",")]
    engines = {}
    for depth in depths:
        engine = engine_for(args.url, depth)
        start = time.perf_counter()
        rows = build(engine, args.units_per_department, depth)
        print(f"depth {depth}: {rows:,} bed reports ready in {time.perf_counter() - start:.1f} s")
        engines[depth] = engine
    print(
        f"{'reports/unit':>12} {'rows':>12} {'app query (ms)':>15} {'naive query (ms)':>17} {'naive/app':>10} "
        f"{'France 90-day timeline (ms)':>28}"
    )
    for depth, engine in engines.items():
        app_ms = timed(lambda engine=engine: app_query(engine), args.repeat) * 1000
        naive_ms = timed(lambda engine=engine: naive_query(engine), args.repeat) * 1000
        timeline_ms = timed(lambda engine=engine: france_timeline(engine, 90), max(1, args.repeat // 3)) * 1000
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT COUNT(*) FROM bed_reports")).scalar()
        print(
            f"{depth:>12} {rows:>12,} {app_ms:>15.1f} {naive_ms:>17.1f} {naive_ms / app_ms:>10.1f} {timeline_ms:>28.0f}"
        )


if __name__ == "__main__":
    main()
