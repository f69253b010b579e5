"""Build rasa_sdk trackers for action tests."""

from rasa_sdk import Tracker


def make_tracker(text="", intent="inform", entities=None, slots=None, events=None, sender="tg:42", confidence=None,
                 ranking=None):
    parsed_intent = {"name": intent} if confidence is None else {"name": intent, "confidence": confidence}
    return Tracker(
        sender_id=sender,
        slots=dict(slots or {}),
        latest_message={"text": text, "intent": parsed_intent, "entities": entities or [], "intent_ranking": ranking or []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def entity(name, value):
    return {"entity": name, "value": value}
