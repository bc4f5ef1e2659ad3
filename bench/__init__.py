"""Benchmarks that can be rerun; see each module docstring for the command."""
