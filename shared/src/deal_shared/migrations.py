"""The body of every service's alembic env.py: one migration run, serialised across pods on PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, engine_from_config, pool, text


def run_migrations(metadata: MetaData, *, lock_name: str) -> None:
    config = context.config
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Two pods starting at once must not both migrate: the second waits, then finds head.
            connection.execute(text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": lock_name})
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
