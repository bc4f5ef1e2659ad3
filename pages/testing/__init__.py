"""Test-positivity page (`/testing`); ``page.py`` registers it (Dash's scanner skips ``__init__`` files)."""
