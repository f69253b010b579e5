import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from db_testlib import BACKENDS, fresh_database
from sqlalchemy import inspect, text

from storage import StorageUnavailable, Store, database_url, get_or_create_person, migrate
from storage.__main__ import main
from storage.config import DEFAULT_SQLITE_PATH, REPO_ROOT, make_engine
from storage.models import Base
from storage.store import alembic_config


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_upgrade_from_empty_matches_models(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        assert main(["upgrade", "--url", url]) == 0
        migrate(url)  # a second run is a no-op
        engine = make_engine(url)
        try:
            tables = set(inspect(engine).get_table_names())
            assert {t.name for t in Base.metadata.sorted_tables} <= tables
            head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
            with engine.connect() as conn:
                assert MigrationContext.configure(conn).get_current_revision() == head
                # The hand-written migration and the ORM models describe the same schema.
                assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        finally:
            engine.dispose()


def test_database_url_defaults_and_normalisation(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert DEFAULT_SQLITE_PATH == REPO_ROOT / "var" / "app.db"
    assert database_url() == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert database_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@y/z")
    assert database_url() == "postgresql+psycopg://x@y/z"


def test_sqlite_pragmas_and_folder_creation(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/sub/dir/app.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (tmp_path / "sub" / "dir").is_dir()
    engine.dispose()


def test_naive_datetime_is_refused(store):
    from datetime import datetime

    with pytest.raises(Exception, match="naive datetime"):
        with store.transaction() as s:
            get_or_create_person(s, "telegram", "1", datetime(2026, 1, 1))


def test_unreachable_database_raises_storage_unavailable():
    store = Store("postgresql://postgres@127.0.0.1:1/nothing")
    with pytest.raises(StorageUnavailable):
        with store.transaction() as s:
            s.execute(text("SELECT 1"))
    store.dispose()
