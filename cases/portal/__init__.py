"""The victim's portal: her own door (portal/access.py), sign-in, pages and templates.

It never imports the staff views, and the staff views never import it (import-linter contracts in
pyproject.toml). Built by the portal issue.
"""
