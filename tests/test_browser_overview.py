"""Real browser (Chromium): sign in, see the national map, click a department, see timeline and table follow."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from data_access.models import Department
from tests.browser_support import (
    click_map_until,
    map_trace_locations,
    national_world,
    screenshot,
    start_and_sign_in,
    wait_until,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return national_world(tmp_path_factory)


def test_overview_map_click_filters_timeline_and_table(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    start_and_sign_in(dash_duo, app, "national@test.fr")
    dash_duo.wait_for_text_to_equal("#overview-timeline-title", "Occupation au fil des jours — France", timeout=30)

    # One value per department: all 101 departments are on the coloured trace, none without data.
    wait_until(
        dash_duo,
        lambda: any(len(t) == 101 for t in map_trace_locations(dash_duo, "overview-map")),
        message="the map shows 101 departments",
    )
    coloured = next(t for t in map_trace_locations(dash_duo, "overview-map") if len(t) == 101)
    assert len(set(coloured)) == 101
    assert {"2A", "2B", "971", "976"} <= set(coloured)
    dash_duo.wait_for_contains_text("#kpi-occupancy", "occupés")
    rows_before = dash_duo.driver.execute_script(
        "return document.querySelectorAll('#overview-table .ag-center-cols-container .ag-row').length"
    )
    assert rows_before == 101
    screenshot(dash_duo, "overview-france")

    with Session(world) as session:
        moselle = session.get(Department, "57")
        lon, lat = moselle.longitude, moselle.latitude
    click_map_until(
        dash_duo, "overview-map", lon, lat, lambda: "Moselle" in dash_duo.find_element("#overview-timeline-title").text
    )

    dash_duo.wait_for_text_to_equal("#overview-timeline-title", "Occupation au fil des jours — Moselle", timeout=20)
    dash_duo.wait_for_text_to_equal("#overview-table-title", "Départements de la même région", timeout=20)
    # Grand Est has 10 departments: the table now lists only them.
    wait_until(
        dash_duo,
        lambda: (
            dash_duo.driver.execute_script(
                "return document.querySelectorAll('#overview-table .ag-center-cols-container .ag-row').length"
            )
            == 10
        ),
        message="the table lists the 10 departments of Grand Est",
    )
    # The selection outline is drawn on the map.
    assert ["57"] in map_trace_locations(dash_duo, "overview-map")
    screenshot(dash_duo, "overview-moselle")

    dash_duo.find_element("#overview-reset").click()
    dash_duo.wait_for_text_to_equal("#overview-timeline-title", "Occupation au fil des jours — France", timeout=20)
    assert dash_duo.get_logs() == [] or all("favicon" in entry["message"] for entry in dash_duo.get_logs())


def test_unknown_address_shows_the_french_404(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    start_and_sign_in(dash_duo, app, "national@test.fr", next_path="/nulle-part")
    dash_duo.wait_for_contains_text("#not-found", "Page introuvable", timeout=20)
    dash_duo.find_element("#not-found-home").click()
    dash_duo.wait_for_text_to_equal("#overview-timeline-title", "Occupation au fil des jours — France", timeout=30)
