"""credbridge: educator micro-credentials inside the LMS, carried out to the district."""

__version__ = "0.1.0"
