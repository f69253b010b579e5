"""Helpers shared by the storage tests (a unique module name: `conftest` is ambiguous across test dirs)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

PG_ADMIN_URL = os.environ.get("STORAGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
_pg_error: list[str] = []


def _require_postgres() -> None:
    if not _pg_error:
        try:
            engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 5})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_error.append("")
        except (SQLAlchemyError, ImportError) as exc:  # refused, auth, missing driver
            _pg_error.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    if _pg_error[0]:
        msg = f"PostgreSQL not reachable at {make_url(PG_ADMIN_URL).render_as_string()}: {_pg_error[0]}"
        if os.environ.get("STORAGE_SKIP_POSTGRES") == "1":
            pytest.skip(msg)
        pytest.fail(
            msg + "\nStart PostgreSQL or set STORAGE_SKIP_POSTGRES=1 to skip these tests.", pytrace=False
        )


@contextmanager
def fresh_database(backend: str, tmp_dir):
    """Yield the URL of a new, empty database; remove it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir}/{uuid.uuid4().hex}.db"
        return
    _require_postgres()
    name = f"vae_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


PROFILE = {
    "age": 34,
    "situation": "job_seeker",
    "certification_code": "RNCP4495",
    "department": "69",
    "first_name": "Amina",
    "contact_value": "+33 6 12 34 56 78",
}
