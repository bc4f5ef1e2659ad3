"""Real browser: a regional cell opens /beds, switches indicator and bed type, clicks a department, finds a bed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from data_access import db
from data_access.models import Department
from services.demo import DEMO_PASSWORD, seed_demo
from tests.browser_support import click_map_until, screenshot, start_and_sign_in, wait_until
from tests.conftest import new_database

pytestmark = pytest.mark.browser
GRAND_EST = ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = new_database("sqlite", tmp_path_factory)
    with Session(engine) as session, session.begin():
        seed_demo(session, end=datetime.now(UTC).date(), days=14, departments=[*GRAND_EST, "75"])
    db.configure(engine.url.render_as_string(hide_password=False))
    return engine


def grid_rows(dash_duo, grid_id: str) -> int:  # type: ignore[no-untyped-def]
    return dash_duo.driver.execute_script(
        f"return document.querySelectorAll('#{grid_id} .ag-center-cols-container .ag-row').length"
    )


def choose(dash_duo, dropdown_id: str, label: str) -> None:  # type: ignore[no-untyped-def]
    """Open a dropdown, type in its search box as a user would, and click the option with that label."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    element = dash_duo.find_element(f"#{dropdown_id}")
    # Bootstrap makes scrolling smooth; an instant scroll keeps the click where the element is.
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()

    def visible(selector: str, text: str | None = None):  # type: ignore[no-untyped-def]
        for candidate in dash_duo.driver.find_elements("css selector", selector):
            if candidate.is_displayed() and (text is None or candidate.text.strip() == text):
                return candidate
        return None

    wait_until(dash_duo, lambda: visible("[role=option]") is not None, message=f"{dropdown_id} opened")
    search = visible(".dash-dropdown-search")
    if search is not None:
        search.send_keys(label)
    wait_until(dash_duo, lambda: visible("[role=option]", label) is not None, message=f"option {label!r} shown")
    visible("[role=option]", label).click()
    # Close the menu if it stays open: an open menu locks page scrolling.
    if visible("[role=option]") is not None:
        ActionChains(dash_duo.driver).send_keys(Keys.ESCAPE).perform()
        wait_until(dash_duo, lambda: visible("[role=option]") is None, message=f"{dropdown_id} closed")


def test_regional_cell_uses_the_bed_situation(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    start_and_sign_in(dash_duo, app, "ars.grandest@demo.fr", DEMO_PASSWORD, next_path="/beds")
    dash_duo.wait_for_text_to_equal("#beds-timeline-title", "Occupation des lits ouverts — France", timeout=30)
    # The regional cell sees its own region's establishments only (Paris is seeded but out of scope).
    wait_until(dash_duo, lambda: grid_rows(dash_duo, "beds-table") > 0, message="establishment table filled")
    assert "(75)" not in dash_duo.find_element("#beds-table").text
    assert "Établissements — France" in dash_duo.find_element("#beds-table-title").text

    choose(dash_duo, "beds-indicator", "Tension hospitalière (soins critiques)")
    dash_duo.wait_for_text_to_equal("#beds-timeline-title", "Tension hospitalière (soins critiques) — France")
    choose(dash_duo, "beds-scope", "Réanimation adulte")
    wait_until(
        dash_duo,
        lambda: (
            "Tension hospitalière"
            in dash_duo.driver.execute_script(
                "return document.querySelector('#beds-map .js-plotly-plot').data[0].name + ' ' + "
                "document.querySelector('#beds-map .js-plotly-plot').data[1].name"
            )
        ),
        message="the map shows tension",
    )

    with Session(world) as session:
        moselle = session.get(Department, "57")
        lon, lat = moselle.longitude, moselle.latitude
    dash_duo.find_element("#beds-points").click()  # hide the dots so the click lands on the department
    wait_until(
        dash_duo,
        lambda: dash_duo.driver.execute_script(
            "return document.querySelector('#beds-map .js-plotly-plot').data.every(t => t.type === 'choroplethmap')"
        ),
        message="establishment dots hidden",
    )
    click_map_until(
        dash_duo, "beds-map", lon, lat, lambda: "Moselle" in dash_duo.find_element("#beds-timeline-title").text
    )
    dash_duo.wait_for_text_to_equal(
        "#beds-timeline-title", "Tension hospitalière (soins critiques) — Moselle", timeout=20
    )
    wait_until(dash_duo, lambda: "Établissements — Moselle" in dash_duo.find_element("#beds-table-title").text)
    table_text = dash_duo.find_element("#beds-table").text
    assert "57" in table_text and "(54)" not in table_text
    screenshot(dash_duo, "beds-moselle")

    # Find an adult ICU bed from Meurthe-et-Moselle: nearest first, with distance and phone.
    choose(dash_duo, "beds-find-department", "54 — Meurthe-et-Moselle")
    dash_duo.find_element("#beds-find-submit").click()
    wait_until(dash_duo, lambda: grid_rows(dash_duo, "beds-find-grid") > 0, message="find-a-bed results")
    distances = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#beds-find-grid .ag-center-cols-container .ag-row'))"
        ".sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')))"
        ".map(r => Number(r.querySelector('[col-id=distance_km]').textContent))"
    )
    assert distances == sorted(distances)
    screenshot(dash_duo, "beds-find")
