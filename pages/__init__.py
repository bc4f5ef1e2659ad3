"""Dash pages, one module (or package) per path; each registers itself with ``dash.register_page``."""
