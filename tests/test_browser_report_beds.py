"""Real browser: a bed manager signs in, changes two numbers, saves, and sees the new values; a hard rule blocks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import db
from data_access.models import BedReport
from tests import factories as f
from tests.browser_support import screenshot, start_and_sign_in, wait_until
from tests.conftest import new_database

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = new_database("sqlite", tmp_path_factory)
    with Session(engine) as session, session.begin():
        hospital = f.establishment(session, "54", name="CHRU de Nancy")
        icu = f.unit(session, hospital, "REA_ADULTE", name="Réanimation médicale")
        ward = f.unit(session, hospital, "MEDECINE", name="Médecine interne")
        f.bed_report(
            session, icu, reported_at=f.hours_ago(3, now=datetime.now(UTC)), open_beds=20, occupied=12, occupied_covid=4
        )
        f.bed_report(
            session,
            ward,
            reported_at=f.hours_ago(3, now=datetime.now(UTC)),
            open_beds=30,
            occupied=20,
            occupied_covid=2,
        )
        f.user(session, "reporter", establishments=[hospital], email="declarant@test.fr")
        ids = {"icu": icu.id, "ward": ward.id}
    db.configure(engine.url.render_as_string(hide_password=False))
    return engine, ids


def field(unit_id: int, name: str) -> str:
    return f'[id=\'{{"field":"{name}","type":"report-beds-field","unit":{unit_id}}}\']'


def set_value(dash_duo, selector: str, value: int) -> None:  # type: ignore[no-untyped-def]
    element = dash_duo.find_element(selector)
    element.clear()
    element.send_keys(str(value))


def reports(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.scalar(select(func.count(BedReport.id)))


def test_reporter_updates_two_numbers_and_saves(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    engine, ids = world
    start_and_sign_in(dash_duo, app, "declarant@test.fr", next_path="/report/beds")
    dash_duo.wait_for_element(field(ids["icu"], "occupied"), timeout=20)
    assert dash_duo.find_element(field(ids["icu"], "occupied")).get_attribute("value") == "12"
    dash_duo.wait_for_contains_text(f"#report-beds-unit-{ids['icu']}", "il y a 3 h")
    before = reports(engine)

    # A hard rule: occupied beyond open beds is refused, nothing is written, the field is marked.
    set_value(dash_duo, field(ids["icu"], "occupied"), 25)
    dash_duo.find_element("#report-beds-save").click()
    dash_duo.wait_for_contains_text("#report-beds-error", "Rien n'est enregistré")
    dash_duo.wait_for_contains_text(f"#report-beds-unit-{ids['icu']}", "ne peut pas dépasser Lits ouverts (20)")
    assert "is-invalid" in dash_duo.find_element(field(ids["icu"], "occupied")).get_attribute("class")
    assert reports(engine) == before
    screenshot(dash_duo, "report-beds-refused")

    # The bed manager fixes it: two numbers change, the free beds follow, one click saves every unit.
    set_value(dash_duo, field(ids["icu"], "occupied"), 15)
    set_value(dash_duo, field(ids["icu"], "occupied_covid"), 6)
    dash_duo.wait_for_text_to_equal(f'[id=\'{{"type":"report-beds-free","unit":{ids["icu"]}}}\']', "5")
    dash_duo.find_element("#report-beds-save").click()
    dash_duo.wait_for_contains_text("#report-beds-saved", "2 unité(s)")
    wait_until(
        dash_duo,
        lambda: (
            "à l'instant" in dash_duo.find_element(f"#report-beds-unit-{ids['icu']}").text
            or "min" in dash_duo.find_element(f"#report-beds-unit-{ids['icu']}").text
        ),
        message="the unit's freshness badge is renewed",
    )
    assert dash_duo.find_element(field(ids["icu"], "occupied")).get_attribute("value") == "15"
    assert dash_duo.find_element(field(ids["icu"], "occupied_covid")).get_attribute("value") == "6"
    assert reports(engine) == before + 2
    with Session(engine) as session:
        newest = session.scalar(
            select(BedReport).where(BedReport.unit_id == ids["icu"]).order_by(BedReport.id.desc()).limit(1)
        )
        assert (newest.occupied, newest.occupied_covid, newest.channel) == (15, 6, "form")
    # The history lists the new reports.
    dash_duo.wait_for_contains_text("#report-beds-history", "Réanimation médicale")
    screenshot(dash_duo, "report-beds-saved")


def test_reporting_home_lists_the_forms(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    start_and_sign_in(dash_duo, app, "declarant@test.fr", next_path="/report")
    dash_duo.wait_for_contains_text("#report-establishments", "CHRU de Nancy", timeout=20)
    dash_duo.find_element("#report-link-beds").click()
    dash_duo.wait_for_element("#report-beds-save", timeout=20)
