"""Alembic environment: migrates the database the app (or DATABASE_URL) points at."""
from alembic import context

from bot.core.db import make_engine
from bot.core.models import (
    Base,  # importing the models registers their tables on Base.metadata
)

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations on a live connection (given by bot.core.migrate, or built from the URL)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    """Configure and run inside one transaction."""
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
