"""Staff pages of the cases app, one module per subject (the same names as cases/actions/)."""
