"""Flask-side security for the Dash server: sessions, sign-in pages, CSRF, login throttling and the page guard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import flask
import flask_login
from flask import Flask, Response, redirect, render_template_string, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy.orm import selectinload

from data_access.db import new_session
from data_access.models import User
from services import audit
from services.auth import AuthError, Principal, authenticate, principal_for_user
from settings import Settings

PUBLIC_PREFIXES = ("/login", "/assets/", "/_favicon", "/report/link/")
csrf = CSRFProtect()
login_manager = flask_login.LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@dataclass
class SessionUser(flask_login.UserMixin):
    """The signed-in user as kept for one request: a principal, not an ORM object tied to a session."""

    principal: Principal

    def get_id(self) -> str:
        return str(self.principal.user_id)


LINK_SESSION_KEY = "reporting_link_id"
# What a reporting-link holder may reach: the bed input page and what Dash needs to draw it.
LINK_PAGE = "/report/beds"
LINK_PATHS = (LINK_PAGE, "/_dash-layout", "/_dash-dependencies", "/_dash-component-suites/", "/_reload-hash")
LINK_CALLBACK_OUTPUTS = ("report-beds", "_pages_content", "_pages_store", "_pages_dummy", "shell-")


def current_principal() -> Principal | None:
    """The principal of the current request: a signed-in user, a reporting-link holder, or None."""
    user = flask_login.current_user
    if user is not None and user.is_authenticated:
        return user.principal
    if LINK_SESSION_KEY not in flask.session:
        return None
    if "link_principal" not in flask.g:
        flask.g.link_principal = _link_principal(flask.session[LINK_SESSION_KEY])
        if flask.g.link_principal is None:
            flask.session.pop(LINK_SESSION_KEY, None)
    return flask.g.link_principal


def _link_principal(link_id: object) -> Principal | None:
    from data_access.db import read_session
    from data_access.models import ReportingLink, utcnow

    if not isinstance(link_id, int):
        return None
    with read_session() as session:
        link = session.get(ReportingLink, link_id)
        if link is None or link.revoked_at is not None or link.expires_at <= utcnow():
            return None
        return Principal(
            role="link",
            display_name=link.holder_name,
            establishment_ids=frozenset({link.establishment_id}),
            link_id=link.id,
            link_unit_id=link.unit_id,
        )


def _link_may_reach(path: str) -> bool:
    if path.startswith(LINK_PATHS):
        return True
    if path == "/_dash-update-component":
        body = request.get_json(silent=True) or {}
        output = str(body.get("output", ""))
        return any(marker in output for marker in LINK_CALLBACK_OUTPUTS)
    return False


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    from data_access.db import read_session

    if not user_id.isdigit():
        return None
    with read_session() as session:
        user = session.get(
            User, int(user_id), options=[selectinload(User.establishments), selectinload(User.departments)]
        )
        if user is None or not user.active:
            return None
        return SessionUser(principal_for_user(user))


LOGIN_TEMPLATE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connexion — Salle de situation</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/style.css">
</head><body class="bg-light">
<main class="container" style="max-width: 26rem; margin-top: 10vh">
  <h1 class="h3 mb-1">Salle de situation</h1>
  <p class="text-muted mb-4">Réponse sanitaire — accès réservé aux cellules de crise et aux établissements.</p>
  {% if error %}<div class="alert alert-danger" role="alert" id="login-error">{{ error }}</div>{% endif %}
  {% if message %}<div class="alert alert-info" role="status">{{ message }}</div>{% endif %}
  <form method="post" action="/login" class="card card-body shadow-sm" novalidate>
    <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
    <input type="hidden" name="next" value="{{ next_url }}">
    <label class="form-label" for="email">Adresse électronique</label>
    <input class="form-control mb-3" id="email" name="email" type="email" autocomplete="username"
           value="{{ email }}" required autofocus>
    <label class="form-label" for="password">Mot de passe</label>
    <input class="form-control mb-3" id="password" name="password" type="password"
           autocomplete="current-password" required>
    <button class="btn btn-primary w-100" id="login-submit" type="submit">Se connecter</button>
  </form>
</main></body></html>"""


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(error: str | None = None, status: int = 200, email: str = "", message: str | None = None) -> Response:
    html = render_template_string(
        LOGIN_TEMPLATE,
        error=error,
        message=message,
        email=email,
        next_url=_safe_next(request.values.get("next")),
    )
    return Response(html, status=status, mimetype="text/html")


def install(server: Flask, config: Settings) -> None:
    """Wire sessions, CSRF, throttling and the sign-in guard into the Flask server behind Dash."""
    server.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=config.max_upload_bytes * 2,
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=config.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=True,
    )

    # The sign-in guard runs before CSRF checks, so an anonymous request is told to sign in (401).
    @server.before_request
    def _require_login():  # type: ignore[no-untyped-def]
        path = request.path
        if path.startswith(PUBLIC_PREFIXES) or path == "/logout":
            return None
        if flask_login.current_user.is_authenticated:
            return None
        if current_principal() is not None:  # a reporting-link holder
            if _link_may_reach(path):
                return None
            if path.startswith("/_dash") or request.method != "GET":
                return Response("Accès limité à la déclaration des lits.", status=403, mimetype="text/plain")
            return redirect(LINK_PAGE)
        if path.startswith("/_dash") or request.method != "GET":
            return Response("Connexion requise.", status=401, mimetype="text/plain")
        return redirect(f"/login?next={path}")

    csrf.init_app(server)
    login_manager.init_app(server)
    limiter.init_app(server)

    @server.after_request
    def _security_headers(response: Response) -> Response:
        # Dash's renderer copies this cookie into the X-CSRFToken header of every callback request.
        if flask_login.current_user.is_authenticated or LINK_SESSION_KEY in flask.session:
            response.set_cookie(
                "_csrf_token", generate_csrf(), samesite="Strict", secure=config.production, httponly=False
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @server.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        if request.path == "/login":
            return _login_page("Formulaire expiré, veuillez réessayer.", status=400)
        return Response("Jeton de sécurité manquant ou expiré : rechargez la page.", status=400, mimetype="text/plain")

    @server.errorhandler(429)
    def _too_many(error):  # type: ignore[no-untyped-def]
        return _login_page("Trop de tentatives de connexion : réessayez dans une minute.", status=429)

    @server.errorhandler(500)
    def _server_error(error):  # type: ignore[no-untyped-def]
        # The details go to the server log (Flask logs the exception); the user gets no stack trace.
        return Response(
            "Erreur interne : l'action n'a pas abouti. Réessayez ; si elle persiste, prévenez l'administrateur.",
            status=500,
            mimetype="text/plain",
        )

    @server.errorhandler(413)
    def _too_large(error):  # type: ignore[no-untyped-def]
        return Response("Fichier trop volumineux.", status=413, mimetype="text/plain")

    login_limit = f"{config.login_attempts_per_minute} per minute"

    @server.route("/login", methods=["GET"])
    def login_form():  # type: ignore[no-untyped-def]
        if flask_login.current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        message = "Vous êtes déconnecté." if request.args.get("logged_out") else None
        return _login_page(message=message)

    @server.route("/login", methods=["POST"])
    @limiter.limit(login_limit, methods=["POST"])
    def login_submit():  # type: ignore[no-untyped-def]
        email = request.form.get("email", "")
        password = request.form.get("password", "")
        with new_session() as session:
            try:
                user = authenticate(session, email, password)
            except AuthError as refusal:
                # The failed-attempt counter is committed even though sign-in is refused.
                session.commit()
                return _login_page(str(refusal), status=401, email=email)
            principal = principal_for_user(user)
            audit.record(session, principal, "login", "user", user.id, channel="form", remote_addr=request.remote_addr)
            session.commit()
        flask.session.clear()
        flask_login.login_user(SessionUser(principal))
        flask.session.permanent = True
        return redirect(_safe_next(request.form.get("next")))

    @server.route("/report/link/<token>", methods=["GET"])
    @limiter.limit(login_limit)
    def open_reporting_link(token: str):  # type: ignore[no-untyped-def]
        """A password-less reporting link: checked, then the holder may report for its establishment only."""
        from services.auth import resolve_link

        with new_session() as session:
            try:
                link, principal = resolve_link(session, token)
            except AuthError as refusal:
                return _login_page(f"{refusal} Demandez un nouveau lien à votre cellule régionale.", status=403)
            audit.record(session, principal, "link.open", "reporting_link", link.id, channel="link",
                         remote_addr=request.remote_addr)
            session.commit()
            link_id = link.id
        flask_login.logout_user()
        flask.session.clear()
        flask.session[LINK_SESSION_KEY] = link_id
        flask.session.permanent = True
        return redirect(LINK_PAGE)

    @server.route("/logout", methods=["GET", "POST"])
    @csrf.exempt
    def logout():  # type: ignore[no-untyped-def]
        flask_login.logout_user()
        flask.session.clear()
        response = redirect("/login?logged_out=1")
        response.delete_cookie("_csrf_token")
        return response
