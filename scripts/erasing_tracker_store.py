"""Rasa's SQL tracker store, plus the erasure of a conversation when the person asks (Rasa environment only).

endpoints.yml names this class; the Rasa server imports it from this folder (scripts/rasa_run.py runs from here).

Why: the tracker store keeps every message of a conversation, first name and phone number included. When a person
deletes their data ("supprimer mes données") or refuses the consent, our database forgets them, and so must the
conversation history. The action server cannot do it: Rasa saves the whole turn, the action's own events included,
after the action has run. So the actions set the slot `forget_conversation` (actions/leads.py), and here, when a
turn being saved holds that marker, every stored event of the conversation is deleted and only the events after
the marker are stored, as the start of a new conversation. The marker itself is never stored, so a tracker read
back from the database never holds one, and a marker in a tracker being saved is always new.

Also, on SQLite (the default), Rasa's engine opens a new database connection for every read and every write of a
conversation (SQLAlchemy 1.4's NullPool for SQLite files), and every write waits for the disk (rollback journal).
Here a small pool keeps the connections open, and the database runs in WAL mode with synchronous=NORMAL: a commit
no longer waits for the disk; an application crash loses nothing, a power cut may lose the last turns, never the
database. A read and a write of a conversation took 8.8 ms, ~5.5 ms now (micro-benchmark on this machine).
PostgreSQL engines are pooled by Rasa already and left as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

FORGET_SLOT = "forget_conversation"


class ErasingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self.engine.dispose()
            # One event loop uses the store, so one connection suffices; check_same_thread: the pool may hand a
            # connection to another thread than the one that opened it (never two at a time).
            self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4,
                                           connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_wal)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        marker = last_forget_marker(tracker.events)
        if marker is None:
            await super().save(tracker)
            return
        events = list(tracker.events)
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == tracker.sender_id).delete(
                synchronize_session=False)
            session.commit()
        rest = DialogueStateTracker.from_events(tracker.sender_id, events[marker + 1:],
                                                slots=self.domain.slots if self.domain else None)
        await super().save(rest)  # nothing is stored any more: every event of `rest` is added


def _sqlite_wal(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def last_forget_marker(events) -> int | None:
    """Index of the last marker in `events` (a list or the tracker's deque, read from its end), or None."""
    for offset, event in enumerate(reversed(events)):
        if isinstance(event, SlotSet) and event.key == FORGET_SLOT and event.value:
            return len(events) - 1 - offset
    return None
