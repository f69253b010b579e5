"""Every storage test runs on SQLite and PostgreSQL (parametrized session fixture `db_url`).

PostgreSQL: a throwaway database vae_test_<random> is created on the server named by STORAGE_TEST_PG_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped at the end. If the server is
unreachable the PostgreSQL tests fail, unless STORAGE_SKIP_POSTGRES=1 makes them skip.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from db_testlib import BACKENDS, fresh_database
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from storage import Store, get_or_create_person, migrate, record_consent, sync_sponsors_from_directory
from storage.models import Base


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def _session_store(db_url):
    store = Store(db_url)
    yield store
    store.dispose()


@pytest.fixture
def store(_session_store):
    """A migrated store, emptied after each test."""
    yield _session_store
    with _session_store.transaction() as s:
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(delete(table))


@pytest.fixture
def backend(db_url) -> str:
    return make_url(db_url).get_backend_name()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def add_sponsor(store, now):
    """add_sponsor(key, capacity=...) -> sponsor id (other directory sponsors stay untouched)."""
    entries: list[dict] = []

    def _add(key: str = "sp1", capacity: int = 5, **extra) -> int:
        entries.append(
            {
                "key": key,
                "name": f"Porteur {key}",
                "kind": "opco",
                "departments": ["69"],
                "certifications": ["RNCP4495"],
                "sectors": ["sanitaire_social"],
                "capacity": capacity,
                **extra,
            }
        )
        with store.transaction() as s:
            sync_sponsors_from_directory(s, entries, now)
            from storage import get_sponsor

            return get_sponsor(s, key).id

    return _add


@pytest.fixture
def candidate(store, now):
    """candidate(chat_id) -> (person, consent) committed, with contact details filled in."""

    def _make(chat_id: str = "1001"):
        with store.transaction() as s:
            person = get_or_create_person(s, "telegram", chat_id, now)
            person.first_name = "Amina"
            person.contact_preference = "phone"
            person.contact_value = "+33 6 12 34 56 78"
            consent = record_consent(
                s, person, purpose="lead_to_sponsor", text="J'accepte…", version="v1", now=now
            )
        return person, consent

    return _make
