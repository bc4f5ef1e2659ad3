"""Sign-in, CSRF, throttling and the page guard, through the real Flask server behind Dash."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import AuditEvent, User
from tests.web_support import WebWorld, csrf_token, login


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/beds",
        "/admin",
        "/report",
        "/testing",
        "/nowhere",
        "/_dash-layout",
        "/_dash-dependencies",
        "/_dash-component-suites/dash/dcc/dash_core_components.js",
    ],
)
def test_anonymous_visitor_is_sent_to_login(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    if path.startswith("/_dash"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_callback_is_refused_and_changes_nothing(client, web_world: WebWorld) -> None:  # type: ignore[no-untyped-def]
    with Session(web_world.engine) as session:
        before = session.scalar(select(func.count(AuditEvent.id)))
    response = client.post(
        "/_dash-update-component", data=json.dumps({"output": "x.children"}), content_type="application/json"
    )
    assert response.status_code == 401
    with Session(web_world.engine) as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == before


def test_login_page_is_french_and_carries_csrf(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="fr"' in page
    assert "Se connecter" in page
    assert csrf_token(client)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", "", "Saisissez votre adresse électronique et votre mot de passe."),
        ("declarant@test.fr", "", "Saisissez votre adresse électronique et votre mot de passe."),
        ("declarant@test.fr", "wrong password", "Adresse électronique ou mot de passe incorrect."),
        ("nobody@test.fr", "whatever it is", "Adresse électronique ou mot de passe incorrect."),
        ("x" * 5000, "y" * 5000, "Adresse électronique ou mot de passe incorrect."),
    ],
)
def test_bad_login_gets_a_clear_message(client, email: str, password: str, message: str) -> None:  # type: ignore[no-untyped-def]
    response = login(client, email, password)
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert message.replace("'", "&#39;") in body
    assert "Traceback" not in body
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/login", data={"email": "declarant@test.fr", "password": "correct horse battery"})
    assert response.status_code == 400
    assert "Formulaire expiré" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_then_pages_then_logout(client) -> None:  # type: ignore[no-untyped-def]
    response = login(client, "national@test.fr")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "_csrf_token" in page.headers.get("Set-Cookie", "")
    cookie = page.headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie
    client.get("/logout")
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client) -> None:  # type: ignore[no-untyped-def]
    response = login(client, "national@test.fr")
    cookies = [value for key, value in response.headers.items() if key == "Set-Cookie"]
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie


def test_next_parameter_cannot_redirect_elsewhere(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={
            "email": "national@test.fr",
            "password": "correct horse battery",
            "csrf_token": token,
            "next": "https://evil.example/phish",
        },
    )
    assert response.headers["Location"] == "/"


def test_callback_without_csrf_header_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    login(client, "national@test.fr")
    response = client.post(
        "/_dash-update-component", data=json.dumps({"output": "x.children"}), content_type="application/json"
    )
    assert response.status_code == 400
    assert "Jeton de sécurité" in response.get_data(as_text=True)


def test_account_locks_after_five_failures(client, web_world: WebWorld) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        assert login(client, "ars@test.fr", "not the password").status_code == 401
    response = login(client, "ars@test.fr")  # right password, but locked
    assert response.status_code == 401
    assert "verrouillé" in response.get_data(as_text=True)
    with Session(web_world.engine) as session, session.begin():
        user = session.scalar(select(User).where(User.email == "ars@test.fr"))
        assert user.locked_until is not None
        user.locked_until = None  # leave the shared web_world usable


def test_login_attempts_are_throttled_per_address(client) -> None:  # type: ignore[no-untyped-def]
    from settings import settings

    statuses = [login(client, "nobody@test.fr", "x").status_code for _ in range(settings.login_attempts_per_minute + 1)]
    assert statuses[-1] == 429
    assert all(status == 401 for status in statuses[:-1])


def test_unknown_page_shows_french_404(client) -> None:  # type: ignore[no-untyped-def]
    login(client, "national@test.fr")
    # Dash serves every path with the app shell; the 404 text comes from the page container in the browser.
    assert client.get("/nowhere").status_code == 200


def test_admin_page_is_refused_to_other_roles() -> None:
    from flask import Flask

    import pages.admin as admin_page
    from services.auth import Principal
    from services.web import SessionUser, login_manager

    server = Flask(__name__)
    server.config["SECRET_KEY"] = "test"
    login_manager.init_app(server)
    with server.test_request_context("/admin"):
        import flask_login

        flask_login.login_user(SessionUser(Principal(role="national", user_id=1)))
        rendered = admin_page.layout()
    assert rendered.id == "admin-denied"


def test_a_failing_callback_answers_with_a_french_notice_not_a_500(client) -> None:  # type: ignore[no-untyped-def]
    """Forged input makes the overview map callback fail; the user gets the notice, the server no 500."""
    login(client, "national@test.fr")
    client.get("/")
    token = client.get_cookie("_csrf_token").value
    body = {
        "output": "overview-map.figure",
        "outputs": {"id": "overview-map", "property": "figure"},
        "inputs": [
            {"id": "overview-level", "property": "value", "value": "continent"},
            {"id": "overview-scope", "property": "value", "value": "all"},
            {"id": "overview-view", "property": "value", "value": "metro"},
            {"id": "overview-selection", "property": "data", "value": None},
        ],
        "changedPropIds": ["overview-level.value"],
        "state": [],
    }
    response = client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code in (200, 204)
    notice = response.get_json()["sideUpdate"]["shell-error"]
    assert notice["is_open"] is True
    assert "rien n'a été modifié" in notice["children"]
    assert "Traceback" not in response.get_data(as_text=True)
