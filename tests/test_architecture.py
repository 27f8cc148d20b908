"""The star: services import only the shared package, never each other; shared imports no service."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["report_it", "footprints", "volunteering"]


def imported_modules(package_dir: Path) -> set[str]:
    found: set[str] = set()
    for path in package_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_services_never_import_each_other() -> None:
    for service in SERVICES:
        code = imported_modules(ROOT / "services" / service)
        others = set(SERVICES) - {service}
        assert not code & others, f"{service} imports {code & others}"


def test_shared_imports_no_service() -> None:
    assert not imported_modules(ROOT / "shared" / "src") & set(SERVICES)


def test_each_service_has_its_own_database_setting() -> None:
    for service in SERVICES:
        config = (ROOT / "services" / service / "src" / service / "config.py").read_text()
        assert f'env_prefix="{service.upper()}_"' in config
        assert f"var/{service}.db" in config
        for other in set(SERVICES) - {service}:
            assert f"{other}.db" not in config and f"{other.upper()}_DATABASE_URL" not in config


def test_every_engine_a_service_makes_has_its_configured_pool() -> None:
    """The deployment sizes each process's pool to the pooler (<PREFIX>_DATABASE_POOL_SIZE): an engine made from
    the URL alone would open the default 10+10 and break that budget."""
    for service in SERVICES:
        for path in (ROOT / "services" / service / "src").rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "make_engine":
                    raise AssertionError(f"{path}:{node.lineno}: use settings.database_engine(), not make_engine")


def test_the_pool_settings_reach_the_engine(postgres_admin_url: str) -> None:
    from report_it.config import Settings

    settings = Settings(database_url=postgres_admin_url, database_pool_size=3, database_max_overflow=1)
    engine = settings.database_engine()
    try:
        assert (engine.pool.size(), engine.pool._max_overflow) == (3, 1)  # type: ignore[attr-defined]
    finally:
        engine.dispose()
