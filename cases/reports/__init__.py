"""Read-only aggregates for supervisors: queries.py (SQL), charts.py (SVG), views.

Imports models, access.py and audit.py, never actions/ (import-linter contracts in pyproject.toml).
Built by the reports issue.
"""
