"""Pure domain: catalog, submission lifecycle, review and award rules. Standard library only."""
