"""Entry point: composes the Dash app (pages, shell, security, CLI) and exposes ``server`` for gunicorn."""

from __future__ import annotations

import dash

from cli import register_commands
from components.shell import on_callback_error, shell
from services import web
from settings import settings

app = dash.Dash(
    __name__,
    use_pages=True,
    title="Salle de situation",
    update_title=None,
    suppress_callback_exceptions=True,
    on_error=on_callback_error,
    meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
)
app.layout = shell
server = app.server
web.install(server, settings)
register_commands(server)


if __name__ == "__main__":
    from services.setup import prepare_database

    prepare_database()
    app.run(host="127.0.0.1", port=8050, debug=False)
