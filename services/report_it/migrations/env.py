"""Alembic environment for Report IT's database."""

from deal_shared.migrations import run_migrations
from report_it import models  # noqa: F401 - registers the tables on the metadata
from report_it.db import metadata
from report_it.flytipping import models as flytipping_models  # noqa: F401 - the Defra records, on the same metadata
from report_it.open311 import models as open311_models  # noqa: F401 - Open311's tables, on the same metadata
from report_it.outcomes import models as outcome_models  # noqa: F401 - the outcome rollups, on the same metadata

run_migrations(metadata, lock_name="report_it_migrations")
