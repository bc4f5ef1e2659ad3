"""Bed situation page (`/beds`); ``page.py`` registers it (Dash's scanner skips ``__init__`` files)."""
