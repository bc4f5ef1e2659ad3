"""Real browser: an administrator reads accounts and audit, creates a reporting link that works once opened
elsewhere, then revokes it; the pages still to come say so plainly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import db
from data_access.models import Establishment
from services.demo import DEMO_PASSWORD, seed_demo
from tests.browser_support import screenshot, start_and_sign_in, wait_until
from tests.conftest import new_database
from tests.test_browser_beds import choose

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = new_database("sqlite", tmp_path_factory)
    with Session(engine) as session, session.begin():
        seed_demo(session, end=datetime.now(UTC).date(), days=7, departments=["54", "57"])
    db.configure(engine.url.render_as_string(hide_password=False))
    return engine


def test_admin_creates_and_revokes_a_reporting_link(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    with Session(world) as session:
        hospital = session.scalars(
            select(Establishment)
            .where(Establishment.kind == "CH", Establishment.department_code == "57")
            .order_by(Establishment.name)
        ).first()
        hospital_name = hospital.name

    start_and_sign_in(dash_duo, app, "admin@demo.fr", DEMO_PASSWORD, next_path="/admin")
    dash_duo.wait_for_contains_text("#admin-users", "declarant@demo.fr", timeout=20)
    dash_duo.wait_for_contains_text("#admin-audit", "login")

    dash_duo.driver.get(f"{dash_duo.server.url}/report/links")
    dash_duo.wait_for_element("#report-links-establishment", timeout=20)
    choose(
        dash_duo,
        "report-links-establishment",
        next(option for option in _labels_from_server() if option.startswith(f"{hospital_name} (57)")),
    )
    dash_duo.find_element("#report-links-holder").send_keys("Dr Martin, cadre de réanimation")
    dash_duo.find_element("#report-links-create").click()
    dash_duo.wait_for_element("#report-links-url", timeout=20)
    url = dash_duo.find_element("#report-links-url").text
    assert "/report/link/" in url
    dash_duo.wait_for_contains_text("#report-links-table", "Dr Martin")
    screenshot(dash_duo, "report-links-created")

    # The holder opens the link elsewhere (no account): the bed page of that hospital only.
    admin_cookies = dash_duo.driver.get_cookies()
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(url)
    dash_duo.wait_for_element("#report-beds-establishment", timeout=20)
    dash_duo.wait_for_contains_text("#report-beds-establishment", hospital_name)
    assert "Dr Martin" in dash_duo.find_element("#shell-user").text
    dash_duo.driver.get(f"{dash_duo.server.url}/beds")  # situation pages are not for link holders
    wait_until(dash_duo, lambda: dash_duo.driver.current_url.endswith("/report/beds"), message="sent back")

    # Back as the administrator: revoke it; the link no longer opens anything.
    dash_duo.driver.delete_all_cookies()
    for cookie in admin_cookies:
        dash_duo.driver.add_cookie({key: cookie[key] for key in ("name", "value", "path")})
    dash_duo.driver.get(f"{dash_duo.server.url}/report/links")
    choose(
        dash_duo,
        "report-links-establishment",
        next(option for option in _labels_from_server() if option.startswith(f"{hospital_name} (57)")),
    )
    dash_duo.wait_for_contains_text("#report-links-table", "Dr Martin", timeout=20)
    dash_duo.find_element("#report-links-table .ag-selection-checkbox input, #report-links-table .ag-row").click()
    dash_duo.find_element("#report-links-revoke").click()
    dash_duo.wait_for_contains_text("#report-links-done", "révoqué", timeout=20)
    dash_duo.wait_for_contains_text("#report-links-table", "révoqué")
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(url)
    dash_duo.wait_for_contains_text("#login-error", "révoqué", timeout=20)


def _labels_from_server() -> list[str]:
    """The establishment choices as the page builds them, to pick one by its visible label."""
    from data_access.db import read_session
    from data_access.queries.bed_reporting import reportable_establishments
    from services.auth import Principal

    with read_session() as session:
        return [label for _, label in reportable_establishments(session, Principal(role="admin", user_id=1))]


def test_pages_still_to_come_say_so(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    start_and_sign_in(dash_duo, app, "national@demo.fr", DEMO_PASSWORD, next_path="/")
    for link_id, page_id in [
        ("#nav-pages-drugs", "#drugs-page"),
        ("#nav-pages-staffing", "#staffing-page"),
        ("#nav-pages-vaccination", "#vaccination-page"),
    ]:
        dash_duo.find_element(link_id).click()
        dash_duo.wait_for_contains_text(page_id, "Page en construction", timeout=20)
    dash_duo.driver.get(f"{dash_duo.server.url}/admin")
    dash_duo.wait_for_contains_text("#admin-denied", "réservé aux administrateurs", timeout=20)
