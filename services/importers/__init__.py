"""Readers for the files people and agencies send us: open-data CSVs and hospital software exports."""
