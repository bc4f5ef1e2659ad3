"""Reference data every database needs: territories (from the committed geography build) and catalogues."""

from __future__ import annotations

import csv

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import BedType, Department, Molecule, Profession, Region, Vaccine
from settings import ROOT

TERRITORIES_CSV = ROOT / "geo" / "territories.csv"

BED_TYPES = (
    # code, label, critical care
    ("REA_ADULTE", "Réanimation adulte", True),
    ("REA_PED", "Réanimation pédiatrique", True),
    ("SOINS_INTENSIFS", "Soins intensifs", True),
    ("USC", "Unité de surveillance continue", True),
    ("MEDECINE", "Médecine", False),
    ("CHIRURGIE", "Chirurgie", False),
    ("SSR", "Soins de suite et de réadaptation", False),
)

MOLECULES = (
    # code, name, dispensing unit, critical (the 2020 ICU shortages)
    ("MIDAZOLAM", "Midazolam", "ampoules", True),
    ("PROPOFOL", "Propofol", "flacons", True),
    ("ATRACURIUM", "Atracurium", "ampoules", True),
    ("CISATRACURIUM", "Cisatracurium", "ampoules", True),
    ("ROCURONIUM", "Rocuronium", "flacons", True),
    ("NORADRENALINE", "Noradrénaline", "ampoules", False),
    ("SUFENTANIL", "Sufentanil", "ampoules", False),
    ("DEXAMETHASONE", "Dexaméthasone", "ampoules", False),
)

PROFESSIONS = (
    ("MED_REA", "Médecin réanimateur"),
    ("IDE", "Infirmier(ère) diplômé(e) d'État"),
    ("IADE", "Infirmier(ère) anesthésiste"),
    ("IBODE", "Infirmier(ère) de bloc opératoire"),
    ("AS", "Aide-soignant(e)"),
    ("KINE", "Masseur-kinésithérapeute"),
)

VACCINES = (
    ("PFIZER", "Comirnaty (Pfizer-BioNTech)"),
    ("MODERNA", "Spikevax (Moderna)"),
    ("ASTRAZENECA", "Vaxzevria (AstraZeneca)"),
    ("JANSSEN", "Janssen"),
)


def read_territories() -> list[dict[str, str]]:
    with TERRITORIES_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference(session: Session) -> None:
    """Insert what is missing; existing rows are left as they are, so this is safe to run again."""
    rows = read_territories()
    known_regions = set(session.scalars(select(Region.code)))
    known_departments = set(session.scalars(select(Department.code)))
    for row in rows:
        if row["level"] == "region" and row["code"] not in known_regions:
            session.add(Region(code=row["code"], name=row["name"], population=int(row["population"])))
    session.flush()
    for row in rows:
        if row["level"] == "department" and row["code"] not in known_departments:
            session.add(
                Department(
                    code=row["code"],
                    name=row["name"],
                    region_code=row["region_code"],
                    population=int(row["population"]),
                    latitude=float(row["centroid_lat"]),
                    longitude=float(row["centroid_lon"]),
                )
            )
    _add_missing(
        session,
        BedType,
        "code",
        [
            {"code": c, "label": label, "critical_care": critical, "sort_order": i}
            for i, (c, label, critical) in enumerate(BED_TYPES)
        ],
    )
    _add_missing(
        session,
        Molecule,
        "code",
        [{"code": c, "name": n, "dispensing_unit": u, "critical": k} for c, n, u, k in MOLECULES],
    )
    _add_missing(session, Profession, "code", [{"code": c, "label": label} for c, label in PROFESSIONS])
    _add_missing(session, Vaccine, "code", [{"code": c, "label": label} for c, label in VACCINES])
    session.flush()


def _add_missing(session: Session, model: type, key: str, rows: list[dict[str, object]]) -> None:
    known = set(session.scalars(select(getattr(model, key))))
    for row in rows:
        if row[key] not in known:
            session.add(model(**row))
