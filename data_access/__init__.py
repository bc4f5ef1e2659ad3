"""Database access: engine and sessions, ORM models, and the query functions pages call."""
