"""Storage: the declarative base, engines, the unit of work and the Alembic migrations."""
