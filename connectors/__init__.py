"""Adapters to systems outside credbridge (Canvas, OneRoster, PD management systems).

Each connector implements a port from :mod:`lti_tool.ports` and never imports the web app.
"""
