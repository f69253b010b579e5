"""The stack refuses to start Rasa on a tracker store it cannot open (Rasa would only log it and forget every
conversation)."""

import pytest
from db_testlib import BACKENDS, fresh_database

from stack.__main__ import check_tracker_store
from stack.supervisor import StackError


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_reachable_tracker_store_passes(backend, tmp_path):
    with fresh_database(backend, tmp_path) as url:
        # Rasa's own spelling of a PostgreSQL URL (psycopg2), as in the README, is accepted too.
        check_tracker_store(url.replace("postgresql+psycopg://", "postgresql://"))


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-directory/tracker.db",
    "postgresql://postgres:secret-pass@127.0.0.1:5432/no_such_database_here",
])
def test_an_unreachable_tracker_store_is_a_clear_error_without_the_password(url):
    with pytest.raises(StackError) as raised:
        check_tracker_store(url)
    assert "TRACKER_STORE_URL" in str(raised.value) and "secret-pass" not in str(raised.value)
