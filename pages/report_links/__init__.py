"""Reporting-link management (`/report/links`); ``page.py`` registers it."""
