"""With TRACKER_STORE_URL on PostgreSQL, a conversation survives a restart of the Rasa server."""

import uuid

import pytest
from db_testlib import fresh_database
from live_testlib import LiveStack
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e


def test_postgres_tracker_store_keeps_the_conversation_across_a_restart(tmp_path):
    with fresh_database("postgresql", tmp_path) as url:
        # Rasa's environment talks to PostgreSQL with psycopg2, our code with psycopg 3.
        stack = LiveStack(tmp_path, tracker_store_url=url.replace("postgresql+psycopg://", "postgresql://"))
        try:
            stack.start()
            user = f"test:{uuid.uuid4().hex[:12]}"
            stack.say(user, "bonjour")
            stack.restart_rasa()
            assert "36 mois" in stack.reply_text(user, "/faq_duration")
        finally:
            stack.supervisor.stop_all()
        engine = create_engine(url)
        with engine.connect() as db:
            rows = db.execute(text("SELECT type_name, intent_name FROM events WHERE sender_id = :s ORDER BY id"),
                              {"s": user}).all()
        engine.dispose()
    assert [intent for kind, intent in rows if kind == "user"] == ["greet", "faq_duration"]
    assert sum(1 for kind, _ in rows if kind == "session_started") == 1
