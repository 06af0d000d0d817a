"""Open Badges issuing benchmark (issue 4)."""
