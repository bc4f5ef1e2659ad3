"""Real browser: a tracing platform reports a day and sees the department's rate move; a broken rule writes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import db
from data_access.models import Cluster, TracingDaily, User, utcnow
from data_access.queries.tracing import latest_version
from services.demo import DEMO_PASSWORD, seed_demo
from services.tracing import local_today
from tests.browser_support import screenshot, start_and_sign_in, wait_until
from tests.conftest import new_database

pytestmark = pytest.mark.browser
GRAND_EST = ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = new_database("sqlite", tmp_path_factory)
    with Session(engine) as session, session.begin():
        seed_demo(session, end=local_today(None, utcnow()), days=14, departments=[*GRAND_EST, "75"])
    db.configure(engine.url.render_as_string(hide_password=False))
    return engine


def visible(dash_duo, selector: str, text: str | None = None):  # type: ignore[no-untyped-def]
    for candidate in dash_duo.driver.find_elements(By.CSS_SELECTOR, selector):
        if candidate.is_displayed() and (text is None or candidate.text.strip() == text):
            return candidate
    return None


def open_dropdown(dash_duo, dropdown_id: str):  # type: ignore[no-untyped-def]
    element = dash_duo.find_element(f"#{dropdown_id}")
    # Bootstrap makes scrolling smooth; an instant scroll keeps the click where the element is.
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()
    wait_until(dash_duo, lambda: visible(dash_duo, "[role=option]") is not None, message=f"{dropdown_id} opened")


def close_dropdown(dash_duo, dropdown_id: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    # An open menu locks page scrolling.
    if visible(dash_duo, "[role=option]") is not None:
        ActionChains(dash_duo.driver).send_keys(Keys.ESCAPE).perform()
        wait_until(dash_duo, lambda: visible(dash_duo, "[role=option]") is None, message=f"{dropdown_id} closed")


def choose(dash_duo, dropdown_id: str, label: str) -> None:  # type: ignore[no-untyped-def]
    """Open a dropdown, type in its search box as a user would, and click the option with that label."""
    open_dropdown(dash_duo, dropdown_id)
    search = visible(dash_duo, ".dash-dropdown-search")
    if search is not None:
        search.send_keys(label)
    wait_until(dash_duo, lambda: visible(dash_duo, "[role=option]", label) is not None, message=f"option {label!r}")
    visible(dash_duo, "[role=option]", label).click()
    close_dropdown(dash_duo, dropdown_id)


def field(name: str) -> str:
    return f'[id=\'{{"field":"{name}","type":"report-tracing-field"}}\']'


def type_figures(dash_duo, figures: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    for name, value in figures.items():
        element = dash_duo.find_element(field(name))
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
        element.clear()
        element.send_keys(str(value))


def pick_day(dash_duo, day: date) -> None:  # type: ignore[no-untyped-def]
    """Type a day in the picker as a user would (JJ/MM/AAAA), then Enter."""
    picker = dash_duo.find_element("#report-tracing-day")
    picker.click()
    picker.send_keys(Keys.CONTROL, "a")
    picker.send_keys(f"{day:%d/%m/%Y}", Keys.ENTER)


def percent_shown(dash_duo, selector: str) -> int:  # type: ignore[no-untyped-def]
    """The whole percentage a rate element shows (« 85 % » -> 85)."""
    return int(dash_duo.find_element(selector).text.split()[0])


def tracing_rows(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.scalar(select(func.count(TracingDaily.id)))


def kpi_value(dash_duo) -> int:  # type: ignore[no-untyped-def]
    selector = "#tracing-kpi-pct_index_reached_4h .kpi-value"
    dash_duo.wait_for_element(selector, timeout=30)
    return percent_shown(dash_duo, selector)


def test_tracing_platform_reports_a_day_and_sees_the_rate_change(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    today = local_today(None, utcnow())
    start_and_sign_in(dash_duo, app, "tracing@demo.fr", DEMO_PASSWORD, next_path="/tracing?departement=54")
    dash_duo.wait_for_contains_text("#tracing-kpis-title", "Meurthe-et-Moselle", timeout=30)
    before = kpi_value(dash_duo)
    assert before >= 30  # the demo's platforms reach at least a third of index cases in time
    screenshot(dash_duo, "tracing-coverage-before")

    dash_duo.driver.get(f"{dash_duo.server.url}/report/tracing")
    dash_duo.wait_for_element("#report-tracing-department", timeout=30)
    # The platform's departments only: Grand Est, not Paris (seeded too).
    open_dropdown(dash_duo, "report-tracing-department")
    labels = [option.text.strip() for option in dash_duo.driver.find_elements(By.CSS_SELECTOR, "[role=option]")]
    close_dropdown(dash_duo, "report-tracing-department")
    assert "54 — Meurthe-et-Moselle" in labels and "57 — Moselle" in labels
    assert len(labels) == len(GRAND_EST) and not any(label.startswith("75") for label in labels)

    choose(dash_duo, "report-tracing-department", "54 — Meurthe-et-Moselle")
    assert dash_duo.find_element("#report-tracing-day").get_attribute("value") == f"{today:%d/%m/%Y}"
    # Looking at another day first, then back to today: each day prefills its own current version.
    earlier = today - timedelta(days=3)
    pick_day(dash_duo, earlier)
    dash_duo.wait_for_contains_text("#report-tracing-version", f"version du {earlier:%d/%m/%Y}", timeout=20)
    pick_day(dash_duo, today)
    wait_until(
        dash_duo,
        lambda: f"version du {earlier:%d/%m/%Y}" not in dash_duo.find_element("#report-tracing-version").text,
        message="today's version shown again",
    )
    assert dash_duo.find_element("#report-tracing-day").get_attribute("value") == f"{today:%d/%m/%Y}"
    prefilled = latest_figures(world, "54", today)
    wait_until(
        dash_duo,
        lambda: dash_duo.find_element(field("new_cases")).get_attribute("value") == str(prefilled),
        message="today's figures prefilled",
    )
    rows_before = tracing_rows(world)

    # A surge the platform could not follow: 20 000 new cases, none reached within 4 h.
    type_figures(
        dash_duo,
        {
            "new_cases": 20000,
            "index_reached_4h": 0,
            "contacts_identified": 30000,
            "contacts_reached_24h": 10000,
            "cases_known_as_contacts": 1000,
        },
    )
    wait_until(
        dash_duo,
        lambda: dash_duo.find_element("#report-tracing-preview-pct_index_reached_4h").text.split() == ["0", "%"],
        message="the typed figures' rate shown live",
    )
    coverage_before = percent_shown(dash_duo, "#report-tracing-coverage-pct_index_reached_4h")
    dash_duo.find_element("#report-tracing-save").click()
    dash_duo.wait_for_contains_text("#report-tracing-saved", "Enregistré", timeout=20)
    assert "nouvelle version" in dash_duo.find_element("#report-tracing-saved").text

    # The history's newest row is today's new version, sent by the platform through the form.
    first_row = f"#report-tracing-history .ag-row[row-id='{today.isoformat()}']"
    wait_until(
        dash_duo,
        lambda: "20000" in dash_duo.find_element(f"{first_row} [col-id=new_cases]").text,
        message="history shows the new version",
    )
    assert dash_duo.find_element(f"{first_row} [col-id=versions]").text == "2"
    assert dash_duo.find_element(f"{first_row} [col-id=channel]").text == "formulaire"
    wait_until(
        dash_duo,
        lambda: percent_shown(dash_duo, "#report-tracing-coverage-pct_index_reached_4h") <= coverage_before // 2,
        message="the department's 7-day coverage falls on the input page",
    )
    screenshot(dash_duo, "tracing-report-saved")

    with Session(world) as session:
        assert session.scalar(select(func.count(TracingDaily.id))) == rows_before + 1
        current = latest_version(session, "54", today)
        assert current is not None and current.new_cases == 20000 and current.index_reached_4h == 0
        assert current.supersedes_id is not None and current.channel == "form"
        assert session.get(User, current.author_id).email == "tracing@demo.fr"

    dash_duo.find_element("#report-tracing-coverage-link").click()
    dash_duo.wait_for_contains_text("#tracing-kpis-title", "Meurthe-et-Moselle", timeout=30)
    wait_until(dash_duo, lambda: kpi_value(dash_duo) <= before // 2, message="the 7-day rate falls on /tracing")
    after = kpi_value(dash_duo)
    detail = dash_duo.find_element("#tracing-kpi-pct_index_reached_4h").text
    assert "objectif ≥ 80 %" in detail
    screenshot(dash_duo, "tracing-coverage-after")
    # At most the week's other days' reached cases over 20 000 more cases: the rate collapses.
    assert after <= 15 < before


def latest_figures(engine, department_code: str, day) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        current = latest_version(session, department_code, day)
        assert current is not None
        return current.new_cases


def test_a_broken_rule_names_the_field_and_writes_nothing(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    start_and_sign_in(dash_duo, app, "tracing@demo.fr", DEMO_PASSWORD, next_path="/report/tracing")
    dash_duo.wait_for_element("#report-tracing-department", timeout=30)
    choose(dash_duo, "report-tracing-department", "57 — Moselle")
    wait_until(
        dash_duo,
        lambda: dash_duo.find_element(field("new_cases")).get_attribute("value") != "",
        message="Moselle's figures prefilled",
    )
    rows_before = tracing_rows(world)
    type_figures(dash_duo, {"new_cases": 10, "index_reached_4h": 20})
    dash_duo.find_element("#report-tracing-save").click()
    dash_duo.wait_for_contains_text("#report-tracing-error", "Rien n'est enregistré", timeout=20)
    message = "Cas index joints en moins de 4 h (20) ne peut pas dépasser Nouveaux cas (10)"
    assert message in dash_duo.find_element("#report-tracing-error").text
    feedback = '[id=\'{"field":"index_reached_4h","type":"report-tracing-field-feedback"}\']'
    dash_duo.wait_for_contains_text(feedback, message)
    assert "is-invalid" in dash_duo.find_element(field("index_reached_4h")).get_attribute("class")
    assert "is-invalid" not in dash_duo.find_element(field("new_cases")).get_attribute("class")
    screenshot(dash_duo, "tracing-report-refused")
    assert tracing_rows(world) == rows_before


def test_a_platform_signals_a_cluster_and_moves_it_on(dash_duo, world) -> None:  # type: ignore[no-untyped-def]
    from app import app

    start_and_sign_in(dash_duo, app, "tracing@demo.fr", DEMO_PASSWORD, next_path="/report/tracing?departement=88")
    dash_duo.wait_for_element("#report-tracing-cluster-label", timeout=30)
    dash_duo.wait_for_text_to_equal("#report-tracing-cluster-department .dash-dropdown-value", "88 — Vosges")
    dash_duo.find_element("#report-tracing-cluster-commune").send_keys("Épinal")
    dash_duo.find_element("#report-tracing-cluster-label").send_keys("Lycée Claude-Gellée – Épinal")
    choose(dash_duo, "report-tracing-cluster-setting", "Milieu scolaire / universitaire")
    cases = dash_duo.find_element("#report-tracing-cluster-cases")
    cases.clear()
    cases.send_keys("6")
    dash_duo.find_element("#report-tracing-cluster-create").click()
    dash_duo.wait_for_contains_text("#report-tracing-cluster-created", "créé", timeout=20)
    with Session(world) as session:
        cluster = session.scalar(select(Cluster).where(Cluster.label == "Lycée Claude-Gellée – Épinal"))
        assert cluster is not None and cluster.status == "signal" and cluster.cases == 6
        cluster_id = cluster.id

    row = f"#report-tracing-clusters .ag-row[row-id='{cluster_id}']"
    dash_duo.wait_for_element(row, timeout=20)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", dash_duo.find_element(row)
    )
    dash_duo.find_element(f"{row} [col-id=label]").click()
    dash_duo.wait_for_contains_text("#report-tracing-cluster-selected-title", f"n° {cluster_id}", timeout=20)
    choose(dash_duo, "report-tracing-cluster-status", "Actif")
    dash_duo.find_element("#report-tracing-cluster-update").click()
    dash_duo.wait_for_contains_text("#report-tracing-cluster-updated", "mis à jour", timeout=20)
    wait_until(
        dash_duo,
        lambda: dash_duo.find_element(f"{row} [col-id=status_label]").text == "Actif",
        message="the grid shows the new status",
    )
    screenshot(dash_duo, "tracing-report-cluster")
    with Session(world) as session:
        assert session.get(Cluster, cluster_id).status == "active"
