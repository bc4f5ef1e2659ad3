"""Situation overview (`/`); Dash's page scanner skips ``__init__`` files, so ``page.py`` registers it."""
