"""Alembic environment for Footprints's database."""

from alembic import context
from sqlalchemy import engine_from_config, pool, text

from footprints.db import metadata

config = context.config


def run_migrations() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Two pods starting at once must not both migrate: the second waits, then finds head.
            connection.execute(text("SELECT pg_advisory_lock(hashtext('footprints_migrations'))"))
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
