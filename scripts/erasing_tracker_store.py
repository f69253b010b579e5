"""Rasa's SQL tracker store, plus the erasure of a conversation when the person asks (Rasa environment only).

endpoints.yml names this class; the Rasa server imports it from this folder (scripts/rasa_run.py runs from here).

Why: the tracker store keeps every message of a conversation, first name and phone number included. When a person
deletes their data ("supprimer mes données") or refuses the consent, our database forgets them, and so must the
conversation history. The action server cannot do it: Rasa saves the whole turn, the action's own events included,
after the action has run. So the actions set the slot `forget_conversation` (actions/leads.py), and here, when a
turn being saved holds that marker, every stored event of the conversation is deleted and only the events after
the marker are stored, as the start of a new conversation. The marker itself is never stored, so a tracker read
back from the database never holds one, and a marker in a tracker being saved is always new.
"""

from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

FORGET_SLOT = "forget_conversation"


class ErasingSQLTrackerStore(SQLTrackerStore):
    async def save(self, tracker: DialogueStateTracker) -> None:
        events = list(tracker.events)
        marker = last_forget_marker(events)
        if marker is None:
            await super().save(tracker)
            return
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == tracker.sender_id).delete(
                synchronize_session=False)
            session.commit()
        rest = DialogueStateTracker.from_events(tracker.sender_id, events[marker + 1:],
                                                slots=self.domain.slots if self.domain else None)
        await super().save(rest)  # nothing is stored any more: every event of `rest` is added


def last_forget_marker(events: list) -> int | None:
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, SlotSet) and event.key == FORGET_SLOT and event.value:
            return index
    return None
