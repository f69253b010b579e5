"""Retention: people, and conversations of Rasa's tracker store, inactive for longer than RETENTION_DAYS are erased.

The consent text promises it (180 days by default): the Telegram bot runs `purge_inactive` once a day, the console
chat once when it starts, and operators can run it by hand with `python -m bot admin purge`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from stack.settings import Settings as StackSettings
from storage import Store, database_url, purge_personal_data, utcnow

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 180

# Rasa's SQL tracker store keeps every message in its table `events` (sender_id, timestamp in epoch seconds, …).
_INACTIVE_SENDERS = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"


def retention_days(env=None) -> int:
    env = os.environ if env is None else env
    return int(env.get("RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)


def tracker_store_url(env=None) -> str:
    return StackSettings.from_env(os.environ if env is None else env).tracker_store_url


def purge_conversation_history(url: str, cutoff: datetime, dry_run: bool = False) -> int:
    """Erase from Rasa's tracker store every conversation whose last event is older than `cutoff`; return how
    many. Only whole conversations go, so a conversation still in use is never cut."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).exists()):
        return 0  # the Rasa server never ran here: nothing stored
    engine = create_engine(database_url(url))  # Rasa's postgresql:// URLs name psycopg2; ours use psycopg 3
    try:
        if not inspect(engine).has_table("events"):
            return 0
        bounds = {"cutoff": cutoff.timestamp()}
        with engine.begin() as db:
            count = db.execute(text(f"SELECT COUNT(*) FROM ({_INACTIVE_SENDERS}) AS inactive"), bounds).scalar_one()
            if count and not dry_run:
                db.execute(text(f"DELETE FROM events WHERE sender_id IN ({_INACTIVE_SENDERS})"), bounds)
        return count
    finally:
        engine.dispose()


class _DryRun(Exception):
    pass


def purge_inactive(store: Store, tracker_url: str, days: int, now: datetime | None = None,
                   dry_run: bool = False) -> tuple[int, int]:
    """(people, conversations) inactive for more than `days` days, erased unless `dry_run`."""
    now = now or utcnow()
    older_than = now - timedelta(days=days)
    people = 0
    try:
        with store.transaction() as s:
            people = purge_personal_data(s, older_than, now)
            if dry_run:
                raise _DryRun  # roll back
    except _DryRun:
        pass
    return people, purge_conversation_history(tracker_url, older_than, dry_run)


def purge_and_log(store: Store, tracker_url: str, days: int, now: datetime | None = None) -> None:
    """One scheduled purge: a failure is logged and never stops the chat (the next purge tries again)."""
    try:
        people, conversations = purge_inactive(store, tracker_url, days, now)
    except Exception:
        logger.exception("retention purge failed")
        return
    if people or conversations:
        logger.info("retention: %d person(s) and %d conversation(s) inactive for %d days erased",
                    people, conversations, days)


async def retention_job(context) -> None:
    """Daily job of the Telegram bot (bot/telegram_app.py)."""
    app = context.application
    settings = app.bot_data["settings"]
    await asyncio.to_thread(purge_and_log, app.bot_data["store"], settings.tracker_store_url,
                            settings.retention_days, app.bot_data["clock"]())
