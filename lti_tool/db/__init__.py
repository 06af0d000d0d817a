"""SQLAlchemy 2.0 adapter: typed models, repositories, unit of work, Alembic migrations."""
