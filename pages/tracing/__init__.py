"""Contact-tracing coverage page (`/tracing`); ``page.py`` registers it (Dash's scanner skips ``__init__`` files)."""
