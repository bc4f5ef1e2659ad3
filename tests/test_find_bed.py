"""Find a bed (nearest first, freshness flagged) and the overdue list, on a small known data set, both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from data_access.models import Establishment
from data_access.queries.beds_directory import (
    BedOffer,
    OriginError,
    bed_type_labels,
    find_beds,
    haversine_km,
    latest_reports_for_units,
    overdue_establishments,
    resolve_origin,
)
from services.beds import correct_bed_report
from tests.test_bed_reporting import NOW, add_report, make_establishment, make_unit, make_user

NANCY = (48.6921, 6.1844)


@pytest.fixture
def world(session: Session) -> dict[str, Establishment]:
    """Five hospitals of Grand Est and one in Paris, with reports of known age and free beds."""
    nancy = make_establishment(session, "540000001", "CHRU de Nancy", "54", latitude=NANCY[0], longitude=NANCY[1],
                               commune="Nancy", phone="03 83 85 85 85")
    metz = make_establishment(session, "570000001", "CHR Metz-Thionville", "57", latitude=49.1193, longitude=6.1757,
                              commune="Metz", phone="03 87 55 31 31")
    epinal = make_establishment(session, "880000001", "CH Émile Durkheim", "88", latitude=48.1724, longitude=6.4496,
                                commune="Épinal", phone="03 29 68 70 00")
    paris = make_establishment(session, "750000001", "Pitié-Salpêtrière", "75", latitude=48.8386, longitude=2.3650,
                               commune="Paris", phone="01 42 16 00 00")
    luneville = make_establishment(session, "540000002", "CH de Lunéville", "54", latitude=48.5894,
                                   longitude=6.4967, commune="Lunéville", phone=None)
    toul = make_establishment(session, "540000003", "CH de Toul", "54", latitude=48.675, longitude=5.891,
                              commune="Toul", phone="03 83 62 20 20")
    make_establishment(session, "540000004", "Laboratoire sans lits", "54", commune="Nancy")

    add_report(session, make_unit(session, nancy, "Réa médicale"), NOW - timedelta(hours=2))  # 4 free
    add_report(session, make_unit(session, nancy, "Réa chirurgicale"), NOW - timedelta(hours=5),
               open_beds=13, closed_staff=6, closed_equipment=1)  # 1 free
    add_report(session, make_unit(session, nancy, "Médecine", "MEDECINE", has_ventilators=False),
               NOW - timedelta(hours=1), open_beds=30, installed=40, occupied=10)
    add_report(session, make_unit(session, metz, "Réanimation", has_ecmo=True), NOW - timedelta(hours=1),
               occupied=14, ecmo_used=1, ecmo_available=1)  # 2 free
    add_report(session, make_unit(session, epinal, "Réanimation"), NOW - timedelta(hours=15),
               occupied=11, vent_invasive_available=0)  # 5 free, stale
    add_report(session, make_unit(session, paris, "Réanimation"), NOW - timedelta(hours=30),
               installed=40, open_beds=36, occupied=28, closed_staff=2)  # 8 free, overdue
    luneville_unit = make_unit(session, luneville, "Réanimation")
    add_report(session, luneville_unit, NOW - timedelta(hours=20), occupied=6)  # older report had free beds
    add_report(session, luneville_unit, NOW - timedelta(hours=3), open_beds=10, occupied=10, occupied_covid=4,
               closed_staff=9, closed_equipment=1, vent_invasive_used=3, vent_noninvasive_used=0)
    make_unit(session, toul, "Médecine", "MEDECINE")  # never reported
    return {"nancy": nancy, "metz": metz, "epinal": epinal, "paris": paris, "luneville": luneville, "toul": toul}


def names(offers: list[BedOffer], world: dict[str, Establishment]) -> list[str]:
    """Only this test's establishments, so rows another test might have committed cannot disturb the order."""
    mine = {establishment.id for establishment in world.values()}
    return [offer.name for offer in offers if offer.establishment_id in mine]


def test_nearest_first_with_freshness_and_phone(session: Session, world: dict[str, Establishment]) -> None:
    origin = resolve_origin(session, latitude=NANCY[0], longitude=NANCY[1])
    offers = find_beds(session, origin, "REA_ADULTE", now=NOW, limit=50)
    assert names(offers, world) == ["CHRU de Nancy", "CHR Metz-Thionville", "CH Émile Durkheim", "Pitié-Salpêtrière"]
    by_name = {offer.name: offer for offer in offers}

    nancy = by_name["CHRU de Nancy"]
    assert (nancy.units, nancy.free_beds, nancy.open_beds, nancy.occupied) == (2, 5, 29, 24)
    assert nancy.distance_km == 0.0 and nancy.phone == "03 83 85 85 85"
    assert nancy.reported_at == NOW - timedelta(hours=5) and nancy.age_hours == 5.0  # the older of its two units
    assert not nancy.stale and not nancy.overdue

    metz = by_name["CHR Metz-Thionville"]
    assert metz.distance_km == pytest.approx(47.5, abs=1.0) and metz.ecmo_available == 1
    epinal = by_name["CH Émile Durkheim"]
    assert (epinal.free_beds, epinal.stale, epinal.overdue, epinal.age_hours) == (5, True, False, 15.0)
    paris = by_name["Pitié-Salpêtrière"]
    assert (paris.free_beds, paris.stale, paris.overdue) == (8, True, True)
    assert paris.distance_km == pytest.approx(282, abs=5)


def test_latest_report_decides_and_a_correction_wins(session: Session, world: dict[str, Establishment]) -> None:
    origin = resolve_origin(session, latitude=NANCY[0], longitude=NANCY[1])
    assert "CH de Lunéville" not in names(find_beds(session, origin, "REA_ADULTE", now=NOW, limit=50), world)

    luneville_unit = world["luneville"].units[0]
    current = latest_reports_for_units(session, [luneville_unit.id])[luneville_unit.id]
    admin = make_user(session, "admin")
    fixed = correct_bed_report(session, admin, current.id, {"occupied": 7, "vent_invasive_used": 3}, now=NOW)
    assert fixed.saved is not None, fixed.errors
    offers = find_beds(session, origin, "REA_ADULTE", now=NOW, limit=50)
    assert names(offers, world)[1] == "CH de Lunéville"  # about 25 km, between Nancy and Metz
    assert next(o for o in offers if o.name == "CH de Lunéville").free_beds == 3


def test_needs_filter_by_equipment(session: Session, world: dict[str, Establishment]) -> None:
    origin = resolve_origin(session, latitude=NANCY[0], longitude=NANCY[1])
    ecmo = find_beds(session, origin, "REA_ADULTE", need_ecmo=True, now=NOW)
    assert names(ecmo, world) == ["CHR Metz-Thionville"]
    invasive = find_beds(session, origin, "REA_ADULTE", need_invasive=True, now=NOW)
    assert names(invasive, world) == ["CHRU de Nancy", "CHR Metz-Thionville", "Pitié-Salpêtrière"]
    medicine = find_beds(session, origin, "MEDECINE", now=NOW)
    assert names(medicine, world) == ["CHRU de Nancy"] and medicine[0].free_beds == 20


def test_origins_establishment_commune_department_and_scope(session: Session, world: dict[str, Establishment]) -> None:
    from_nancy = resolve_origin(session, establishment_id=world["nancy"].id)
    offers = find_beds(session, from_nancy, "REA_ADULTE", now=NOW)
    assert names(offers, world) == ["CHR Metz-Thionville", "CH Émile Durkheim", "Pitié-Salpêtrière"]

    from_epinal = resolve_origin(session, commune="epinal")
    assert from_epinal.label == "Épinal (88)"
    assert names(find_beds(session, from_epinal, "REA_ADULTE", now=NOW), world)[0] == "CH Émile Durkheim"

    department = resolve_origin(session, department_code="54")
    assert "Meurthe" in department.label
    region_only = find_beds(session, department, "REA_ADULTE", now=NOW, region_code="44")
    assert "Pitié-Salpêtrière" not in names(region_only, world) and len(names(region_only, world)) == 3
    assert len(find_beds(session, department, "REA_ADULTE", now=NOW, limit=2)) == 2
    assert names(find_beds(session, department, "SSR", now=NOW), world) == []


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "Point de départ"),
        ({"department_code": "00"}, "Département"),
        ({"commune": "Atlantide"}, "Commune"),
        ({"latitude": 48.0}, "latitude et longitude"),
        ({"latitude": 98.0, "longitude": 2.0}, "hors des bornes"),
        ({"establishment_id": 999_999}, "Établissement"),
    ],
)
def test_origin_errors_name_the_field(session: Session, kwargs: dict, fragment: str) -> None:
    with pytest.raises(OriginError, match=fragment):
        resolve_origin(session, **kwargs)


def test_commune_shared_by_two_departments_needs_the_department(session: Session) -> None:
    make_establishment(session, "930000001", "CH Delafontaine", "93", commune="Saint-Denis")
    make_establishment(session, "974000001", "CHU Félix Guyon", "974", commune="Saint-Denis",
                       latitude=-20.89, longitude=55.45)
    with pytest.raises(OriginError, match="93, 974"):
        resolve_origin(session, commune="saint denis")
    assert resolve_origin(session, commune="Saint-Denis", department_code="974").latitude == -20.89


def test_overdue_list(session: Session, world: dict[str, Establishment]) -> None:
    listed = overdue_establishments(session, establishment_ids={e.id for e in world.values()}, now=NOW)
    assert [(item.name, item.level, item.hours_since) for item in listed] == [
        ("CH de Toul", "never", None),
        ("Pitié-Salpêtrière", "overdue", 30.0),
        ("CH Émile Durkheim", "stale", 15.0),
    ]
    assert listed[0].phone == "03 83 62 20 20" and listed[1].last_report_at == NOW - timedelta(hours=30)

    grand_est = overdue_establishments(session, region_code="44", now=NOW)
    assert "Pitié-Salpêtrière" not in [item.name for item in grand_est]
    assert {"CH de Toul", "CH Émile Durkheim"} <= {item.name for item in grand_est}
    vosges = overdue_establishments(session, department_code="88", now=NOW + timedelta(hours=10))
    assert [(item.name, item.level) for item in vosges if item.establishment_id == world["epinal"].id] == [
        ("CH Émile Durkheim", "overdue")
    ]


def test_haversine_and_labels(session: Session) -> None:
    assert haversine_km(48.8566, 2.3522, 45.7640, 4.8357) == pytest.approx(392, abs=2)  # Paris–Lyon
    assert haversine_km(*NANCY, *NANCY) == 0.0
    assert bed_type_labels(session)["REA_ADULTE"] == "Réanimation adulte"
