"""SQLAlchemy implementations of the repository ports. They map rows to domain objects."""
