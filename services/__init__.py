"""Domain services: authentication and authorisation, audit, validation, importers and demo data."""
