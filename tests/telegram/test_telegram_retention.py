"""The retention purge of the Telegram bot (daily) and of the console chat (at start): people and conversation histories inactive for longer than RETENTION_DAYS."""

from __future__ import annotations

from datetime import timedelta

from conftest import wait_for
from tgseed import tracker_events, tracker_senders

from bot.telegram_app import Settings
from storage import find_person, get_or_create_person


async def test_the_bot_purges_what_is_older_than_the_retention_period(api, rasa, chat_store, make_bot, clock,
                                                                      tmp_path):
    now = clock()
    with chat_store.transaction() as s:
        for chat, age in (("8001", 200), ("8002", 10)):
            get_or_create_person(s, "telegram", chat, now - timedelta(days=age)).first_name = "X"
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker_events(url, {"tg:8001": [(now - timedelta(days=200)).timestamp()],
                         "tg:8002": [(now - timedelta(days=10)).timestamp()]})

    def purged():
        with chat_store.transaction() as s:
            return find_person(s, "telegram", "8001") is None and tracker_senders(url) == ["tg:8002"]

    await make_bot(chat_store, retention_interval=0.2, retention_days=180, tracker_store_url=url)
    await wait_for(purged, timeout=10)
    with chat_store.transaction() as s:
        assert find_person(s, "telegram", "8002") is not None  # active 10 days ago: kept


def test_retention_settings_come_from_the_environment(tmp_path):
    env = {"TELEGRAM_BOT_TOKEN": "1:x", "RETENTION_DAYS": "30", "TRACKER_STORE_URL": "postgresql://u@h/rasa"}
    settings = Settings.from_env(env)
    assert settings.retention_days == 30 and settings.tracker_store_url == "postgresql://u@h/rasa"
    assert settings.retention_interval == 24 * 3600
    assert Settings.from_env({}).tracker_store_url.endswith("var/tracker.db")


def test_the_console_chat_purges_what_is_older_than_the_retention_period_when_it_starts(tmp_path, monkeypatch,
                                                                                         capsys):
    import io
    import sys
    from datetime import datetime, timezone

    from bot.console import main as console_main
    from storage import Store, migrate

    app_url, tracker_url = f"sqlite:///{tmp_path / 'app.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    migrate(app_url)
    store = Store(app_url)
    now = datetime.now(timezone.utc)
    with store.transaction() as s:
        for chat, age in (("old", 200), ("recent", 10)):
            get_or_create_person(s, "console", chat, now - timedelta(days=age)).first_name = "X"
    tracker_events(tracker_url, {"console:old": [(now - timedelta(days=200)).timestamp()],
                                 "console:recent": [(now - timedelta(days=10)).timestamp()]})
    for name, value in {"DATABASE_URL": app_url, "TRACKER_STORE_URL": tracker_url, "RETENTION_DAYS": "180",
                        "RASA_URL": "http://127.0.0.1:9"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))  # end of input at once: the chat closes

    assert console_main() == 0
    assert "Au revoir" in capsys.readouterr().out
    with store.transaction() as s:
        assert find_person(s, "console", "old") is None and find_person(s, "console", "recent") is not None
    assert tracker_senders(tracker_url) == ["console:recent"]
    store.dispose()
