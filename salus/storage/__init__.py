"""Operational store: SQLAlchemy tables, migrations, repositories."""
