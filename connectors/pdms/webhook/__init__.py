"""Signed JSON webhook target, for any PD or HR system that can receive one."""
