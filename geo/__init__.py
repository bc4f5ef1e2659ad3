"""Offline geography build: department and region boundaries, territories and map views."""
