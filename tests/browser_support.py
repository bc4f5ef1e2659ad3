"""Helpers for real-browser tests: a committed database for the served app, sign-in, map clicks, screenshots."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data_access import db
from data_access.models import Department
from tests import factories as f
from tests.conftest import new_database

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def national_world(tmp_path_factory: pytest.TempPathFactory, days: int = 10) -> Engine:
    """One hospital (an ICU and a ward) in every department, a daily report for ``days`` days, and users."""
    engine = new_database("sqlite", tmp_path_factory)
    with Session(engine) as session, session.begin():
        codes = list(session.scalars(select(Department.code).order_by(Department.code)))
        for index, code in enumerate(codes):
            department = session.get(Department, code)
            hospital = f.establishment(
                session,
                code,
                name=f"CH de {department.name}",
                latitude=department.latitude,
                longitude=department.longitude,
            )
            icu = f.unit(session, hospital, "REA_ADULTE", baseline_beds=12)
            ward = f.unit(session, hospital, "MEDECINE", baseline_beds=40)
            for day in range(days):
                moment = f.NOW - timedelta(days=days - 1 - day, hours=1)
                load = (index % 10) + day  # a different level per department, rising over the days
                f.bed_report(
                    session,
                    icu,
                    reported_at=moment,
                    open_beds=20,
                    occupied=min(20, 8 + load),
                    occupied_covid=min(8 + load, 2 + day),
                )
                f.bed_report(
                    session, ward, reported_at=moment, open_beds=50, occupied=min(50, 25 + load), occupied_covid=day
                )
        f.user(session, "national", email="national@test.fr")
        f.user(session, "admin", email="admin@test.fr")
    db.configure(engine.url.render_as_string(hide_password=False))
    return engine


def start_and_sign_in(
    dash_duo,
    app,
    email: str,
    password: str = f.TEST_PASSWORD,  # type: ignore[no-untyped-def]
    next_path: str = "/",
) -> None:
    """Start the app on a free port without dash_duo's wait on "/" (the guard sends it to /login), then sign in."""
    dash_duo.start_server(app, navigate=False, port=free_port())
    dash_duo._url = dash_duo.server.url
    sign_in(dash_duo, email, password, next_path)
    dash_duo.wait_for_element("#react-entry-point", timeout=20)


def free_port() -> int:
    """A port nobody listens on, so browser tests can run beside another server (or in parallel)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sign_in(dash_duo, email: str, password: str = f.TEST_PASSWORD, next_path: str = "/") -> None:  # type: ignore[no-untyped-def]
    dash_duo.driver.get(f"{dash_duo.server.url}/login?next={next_path}")
    dash_duo.wait_for_element("#email").send_keys(email)
    dash_duo.find_element("#password").send_keys(password)
    dash_duo.find_element("#login-submit").click()


def map_trace_locations(dash_duo, graph_id: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return gd && gd.data ? gd.data.map(t => Array.from(t.locations || [])) : [];",
        f"#{graph_id}",
    )


def click_map_at(dash_duo, graph_id: str, longitude: float, latitude: float) -> None:  # type: ignore[no-untyped-def]
    """A real mouse click at the viewport pixel where MapLibre draws (longitude, latitude), once the map is idle."""
    wait_until(
        dash_duo,
        lambda: dash_duo.driver.execute_script(
            "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
            "const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;"
            "return !!(sub && sub.map.loaded() && !sub.map.isMoving());",
            f"#{graph_id}",
        ),
        message="the map has finished drawing",
    )
    x, y = dash_duo.driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "const map = gd._fullLayout.map._subplot.map;"
        "const p = map.project([arguments[1], arguments[2]]);"
        "const canvas = map.getCanvas().getBoundingClientRect();"
        "return [Math.round(p.x + canvas.left), Math.round(p.y + canvas.top)];",
        f"#{graph_id}",
        longitude,
        latitude,
    )
    actions = ActionBuilder(dash_duo.driver)
    actions.pointer_action.move_to_location(x, y)
    actions.pointer_action.click()
    actions.perform()


def click_map_until(dash_duo, graph_id: str, longitude: float, latitude: float, done, attempts: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Click the map until ``done()`` holds: the first click may land while the map is still settling."""
    from selenium.common.exceptions import TimeoutException

    for attempt in range(attempts):
        click_map_at(dash_duo, graph_id, longitude, latitude)
        try:
            wait_until(dash_duo, done, timeout=8, message="the click selected the territory")
            return
        except TimeoutException:
            if attempt == attempts - 1:
                raise


def screenshot(dash_duo, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    dash_duo.driver.save_screenshot(str(path))
    return path


def wait_until(dash_duo, predicate, timeout: float = 20, message: str = "") -> None:  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it holds; an element replaced by a re-render meanwhile is simply polled again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(
        dash_duo.driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(lambda _driver: predicate(), message)


__all__ = ["By", "os"]
