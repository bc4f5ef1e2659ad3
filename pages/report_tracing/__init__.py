"""Contact-tracing input page (`/report/tracing`); ``page.py`` registers it (Dash's scanner skips ``__init__``)."""
