"""With TRACKER_STORE_URL on PostgreSQL, a conversation survives a restart of the Rasa server, and "supprimer mes
données" erases it."""

import io
import uuid

import pytest
from db_testlib import fresh_database
from live_testlib import LiveStack
from sqlalchemy import create_engine, text

from bot.admin import main as admin_main

pytestmark = pytest.mark.e2e


def test_postgres_tracker_store_keeps_the_conversation_across_a_restart_and_erases_it_on_request(tmp_path):
    with fresh_database("postgresql", tmp_path) as url:
        engine = create_engine(url)

        def rows(sender):
            with engine.connect() as db:
                return db.execute(text("SELECT type_name, intent_name FROM events WHERE sender_id = :s ORDER BY id"),
                                  {"s": sender}).all()

        # Rasa's environment talks to PostgreSQL with psycopg2, our code with psycopg 3.
        stack = LiveStack(tmp_path, tracker_store_url=url.replace("postgresql+psycopg://", "postgresql://"))
        try:
            stack.start()
            user, other = (f"test:{uuid.uuid4().hex[:12]}" for _ in range(2))
            stack.say(user, "bonjour")
            stack.say(other, "bonjour")
            stack.restart_rasa()
            assert "36 mois" in stack.reply_text(user, "/faq_duration")
            kept = rows(user)
            assert [intent for kind, intent in kept if kind == "user"] == ["greet", "faq_duration"]
            assert sum(1 for kind, _ in kept if kind == "session_started") == 1

            stack.say(user, "/delete_my_data")
            assert "historique de notre conversation" in stack.reply_text(user, "/affirm")
            assert [intent for kind, intent in rows(user) if kind == "user"] == []
            assert [intent for kind, intent in rows(other) if kind == "user"] == ["greet"]  # only this person's
            assert "36 mois" in stack.reply_text(user, "/faq_duration")
            assert [intent for kind, intent in rows(user) if kind == "user"] == ["faq_duration"]

            # The operator's retention purge reads Rasa's own table: with a retention of 0 days, all goes.
            out = io.StringIO()
            assert admin_main(["--url", stack.database_url, "purge", "--days", "0", "--tracker-url",
                               stack.cfg.tracker_store_url], out=out) == 0
            assert "2 conversation(s) inactive for more than 0 days erased" in out.getvalue()
            assert rows(user) == [] and rows(other) == []
        finally:
            stack.supervisor.stop_all()
            engine.dispose()
