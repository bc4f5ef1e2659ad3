"""Query functions: each takes a session first, aggregates in SQL and never commits."""
