"""Real browser: the national cell opens /testing, moves the day slider, plays the animation, compares territories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy.orm import Session

from components.testing_figures import long_date, short_date
from data_access import db
from data_access.models import Department
from services.demo import DEMO_PASSWORD, seed_demo
from tests.browser_support import click_map_until, screenshot, start_and_sign_in, wait_until
from tests.conftest import new_database

pytestmark = pytest.mark.browser
GRAND_EST = ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"]
DAYS = 45

# The coloured trace is the one with a colour bar; read Moselle's colour (z) and hover texts (customdata).
MOSELLE_ON_MAP = """
const gd = document.querySelector('#testing-map .js-plotly-plot');
if (!gd || !gd.data) { return null; }
const trace = gd.data.find(t => t.colorbar && t.locations);
if (!trace) { return null; }
const index = Array.from(trace.locations).indexOf('57');
return index < 0 ? null : {
    name: trace.name, z: trace.z[index], customdata: Array.from(trace.customdata[index]), hover: trace.hovertemplate
};
"""
# Keep every callback answer, to check that a day step sends a Patch and never boundaries.
RECORD_RESPONSES = """
window.testingResponses = [];
const original = window.fetch;
window.fetch = async (...args) => {
    const response = await original(...args);
    response.clone().text().then(text => window.testingResponses.push(text));
    return response;
};
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = new_database("sqlite", tmp_path_factory)
    with Session(engine) as session, session.begin():
        seed_demo(session, end=datetime.now(UTC).date(), days=DAYS, departments=[*GRAND_EST, "75", "13"])
    db.configure(engine.url.render_as_string(hide_password=False))
    return engine


def grid_rows(dash_duo, grid_id: str) -> int:  # type: ignore[no-untyped-def]
    return dash_duo.driver.execute_script(
        f"return document.querySelectorAll('#{grid_id} .ag-center-cols-container .ag-row').length"
    )


def moselle(dash_duo) -> dict | None:  # type: ignore[no-untyped-def]
    return dash_duo.driver.execute_script(MOSELLE_ON_MAP)


def test_national_cell_animates_the_positivity_map(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    last = datetime.now(UTC).date()
    start_and_sign_in(dash_duo, app, "national@demo.fr", DEMO_PASSWORD, next_path="/testing")

    # The map of the data's last day, said to be incomplete, in the header and above the map.
    dash_duo.wait_for_contains_text("#testing-day-label", long_date(last), timeout=30)
    header = dash_duo.find_element("#testing-as-of").text
    assert short_date(last) in header and "les 3 derniers jours" in header and "incomplets" in header
    assert "rapport des sommes" in dash_duo.find_element("#testing-positivity-note").text
    dash_duo.wait_for_element("#testing-incomplete-note")
    wait_until(dash_duo, lambda: moselle(dash_duo) is not None, message="Moselle coloured on the map")
    before = moselle(dash_duo)
    assert before["name"] == "Incidence (pour 100 000)"
    # Value, numerator and denominator, band and thresholds, window and change: hover template + customdata.
    assert "Incidence : %{customdata[2]}" in before["hover"]
    assert "%{customdata[3]} cas positifs sur 7 jours / %{customdata[5]} habitants" in before["hover"]
    assert "Seuil : %{customdata[6]} (seuils 10 / 50 / 150 / 250)" in before["hover"]
    assert before["customdata"][:2] == ["Moselle", "57"] and before["customdata"][2].endswith(" pour 100 000")
    assert before["customdata"][6] in {"< 10", "10–50", "50–150", "150–250", "≥ 250"}
    assert "valeur provisoire" in before["customdata"][7]
    wait_until(dash_duo, lambda: grid_rows(dash_duo, "testing-table") == 12, message="12 departments in the table")
    screenshot(dash_duo, "testing-last-day")

    # A week back with the keyboard on the slider: other values, and only values travel (a Patch).
    dash_duo.driver.execute_script(RECORD_RESPONSES)
    handle = dash_duo.find_element("#testing-slider [role=slider]")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", handle)
    handle.click()
    for _step in range(7):
        handle.send_keys(Keys.ARROW_LEFT)
    week_before = last - timedelta(days=7)
    dash_duo.wait_for_contains_text("#testing-day-label", long_date(week_before), timeout=20)
    wait_until(
        dash_duo,
        lambda: (
            (moselle(dash_duo) or {})
            .get("customdata", [""] * 9)[7]
            .startswith(f"Fenêtre du {week_before - timedelta(days=6):%d/%m}")
        ),
        message="Moselle's hover follows the slider",
    )
    after = moselle(dash_duo)
    assert after["customdata"][2] != before["customdata"][2]
    assert after["customdata"][3] != before["customdata"][3]
    assert "valeur provisoire" not in after["customdata"][7]
    dash_duo.wait_for_contains_text("#testing-table-title", f"au {short_date(week_before)}", timeout=10)
    assert dash_duo.driver.find_elements(By.ID, "testing-incomplete-note") == []
    responses = [
        text for text in dash_duo.driver.execute_script("return window.testingResponses") if "testing-map" in text
    ]
    assert responses and all("__dash_patch_update" in text for text in responses)
    assert not any("geojson" in text.lower() and "coordinates" in text for text in responses)
    screenshot(dash_duo, "testing-week-before")

    # Play: the slider moves on by itself, day after day, and stops (button back to "Lecture") at the end.
    dash_duo.find_element("#testing-play").click()
    dash_duo.wait_for_contains_text("#testing-play", "Pause", timeout=5)
    # The slider has moved on from the chosen day (ticks are 700 ms: an exact day may already be past).
    wait_until(
        dash_duo,
        lambda: long_date(week_before) not in dash_duo.find_element("#testing-day-label").text,
        timeout=15,
        message="the slider advances by itself",
    )
    screenshot(dash_duo, "testing-playing")
    dash_duo.wait_for_contains_text("#testing-day-label", long_date(last), timeout=30)
    dash_duo.wait_for_contains_text("#testing-play", "Lecture", timeout=10)
    # Left alone while the map played, the table catches up with the last day once the animation stops.
    dash_duo.wait_for_contains_text("#testing-table-title", f"au {short_date(last)}", timeout=10)
    dash_duo.wait_for_element("#testing-incomplete-note")

    # Another indicator: positivity on the map, in the comparison, and "per 100 000" is off for a rate.
    dash_duo.driver.find_element(By.XPATH, "//label[text()='Taux de positivité']").click()
    wait_until(
        dash_duo,
        lambda: (moselle(dash_duo) or {}).get("name") == "Taux de positivité (%)",
        message="the map shows positivity",
    )
    assert "(seuils 5 / 10 %)" in moselle(dash_duo)["hover"]
    dash_duo.wait_for_contains_text("#testing-measure", "Taux de positivité", timeout=10)
    assert not dash_duo.find_element("#testing-per-100k").is_enabled()
    assert "Sans objet pour un taux" in dash_duo.find_element("#testing-per-100k-note").text

    # The table: every department with its 7-day change, sortable, exportable.
    headers = dash_duo.find_element("#testing-table").text
    assert "Évolution des cas sur 7 j (%)" in headers and "Jours incomplets" in headers
    changes = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll("
        "'#testing-table .ag-center-cols-container [col-id=change_pct]')).map(cell => cell.textContent.trim())"
    )
    assert len(changes) == 12 and all(text[0] in "+−" for text in changes), changes
    assert dash_duo.find_element("#testing-export-csv").is_displayed()
    assert dash_duo.find_element("#testing-export-xlsx").is_displayed()

    # A click on Moselle adds it to the comparison and to the age view.
    with Session(world) as session:
        department = session.get(Department, "57")
        lon, lat = department.longitude, department.latitude
    dash_duo.driver.execute_script(
        "document.querySelector('#testing-map').scrollIntoView({block: 'center', behavior: 'instant'});"
    )
    click_map_until(
        dash_duo, "testing-map", lon, lat, lambda: "57 — Moselle" in dash_duo.find_element("#testing-compare").text
    )
    dash_duo.wait_for_contains_text("#testing-age-title", "Moselle", timeout=20)
    wait_until(
        dash_duo,
        lambda: dash_duo.driver.execute_script(
            "const gd = document.querySelector('#testing-timeline .js-plotly-plot');"
            "return gd && gd.data && gd.data.some(t => t.name === '57 — Moselle')"
            " && gd.data.some(t => t.name === 'France')"
        ),
        message="the timeline compares France and Moselle",
    )
    assert dash_duo.driver.execute_script(
        "return document.querySelector('#testing-timeline .js-plotly-plot')"
        ".data.some(t => t.line && t.line.dash === 'dot')"
    ), "incomplete days dotted on the timeline"
    dash_duo.driver.find_element(By.XPATH, "//label[text()='logarithmique']").click()
    wait_until(
        dash_duo,
        lambda: (
            dash_duo.driver.execute_script(
                "return document.querySelector('#testing-timeline .js-plotly-plot')._fullLayout.yaxis.type"
            )
            == "log"
        ),
        message="log scale",
    )
    wait_until(
        dash_duo,
        lambda: dash_duo.driver.execute_script(
            "const gd = document.querySelector('#testing-age .js-plotly-plot');"
            "return gd && gd.data && gd.data.length > 0 && gd.data[0].type === 'heatmap' && gd.data[0].y.length === 10"
        ),
        message="the age heatmap shows 10 age classes",
    )
    screenshot(dash_duo, "testing-moselle")
    assert dash_duo.get_logs() == [] or all("favicon" in entry["message"] for entry in dash_duo.get_logs())
