"""Reusable pieces of the interface: the app shell, pure figure builders, key-figure cards and tables."""
