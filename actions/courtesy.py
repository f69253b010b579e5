"""Greetings and thanks, which often carry more than courtesy."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import FRESH_START_SLOTS
from actions.offers import (
    CANDIDATE_ENTITIES,
    EMPLOYER_ENTITIES,
    ActionOfferChecks,
    said,
)
from actions.parsing import after_courtesy, fold, opens_with_a_greeting, says_it_is_an_employer
from actions.readings import answer_topic, faq_intent_of, read_each, topic_asked
from actions.safety import apologise_on_error
from knowledge import load_knowledge

# What follows a greeting counts when the NLU, reading it alone, is at least this sure.
REST_CONFIDENCE = 0.5
CHECK_FORMS = {"start_prescreen": "prescreen_form", "employer_check": "employer_form"}

# « merci, au revoir », « merci et bonne journée » are read as thanks: they take leave too.
LEAVE_TAKING = re.compile(r"\b(?:au revoir|bonne (?:journee|soiree|fin de journee|continuation|nuit)|a bientot|"
                          r"a plus|bye|ciao|adieu)\b")


def describes_someone(tracker: Tracker) -> bool:
    """Whether the message says something of the person or the structure that the offer of a check would reuse."""
    return bool(said(tracker, CANDIDATE_ENTITIES + EMPLOYER_ENTITIES)
                or says_it_is_an_employer(tracker.latest_message.get("text")))


@apologise_on_error
class ActionGreet(Action):
    """« bonjour, nous sommes un ehpad », « salut, j'ai 40 ans et je suis au RSA » (read as greetings): the greeting,
    then the offer of the check that what was said points to. A bare « bonjour » gets the greeting alone."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        describes = describes_someone(tracker)
        events = await answer_after_courtesy(dispatcher, tracker, "Bonjour !", may_start_a_check=not describes)
        if events is not None:
            return events
        dispatcher.utter_message(response="utter_greet")
        if describes:
            return await ActionOfferChecks().run(dispatcher, tracker, domain)
        return []


async def answer_after_courtesy(dispatcher: CollectingDispatcher, tracker: Tracker, salutation: str | None,
                                may_start_a_check: bool) -> list[dict] | None:
    """« bonjour, combien de temps dure le contrat ? » read as a greeting, « merci ! et pour l'employeur ? » as
    thanks (the NLU weighs those words heavily): what follows them, read alone, gets its answer (after
    `salutation`), or starts the check it asks for; None when it says nothing clear. A check starts only when
    nothing was said that its offer would reuse (« j'ai 45 ans »)."""
    rest = after_courtesy(tracker.latest_message.get("text") or "")
    readings = await read_each([rest]) if rest else []
    intent = (readings[0].get("intent") or {}) if readings else {}
    if (intent.get("confidence") or 0) < REST_CONFIDENCE:
        return None
    name = intent.get("name") or ""
    kb = load_knowledge()
    faq_intent = faq_intent_of(readings[0], REST_CONFIDENCE)
    topic_id = topic_asked(faq_intent, rest, tracker) if faq_intent else None
    if topic_id in kb.faq_topics:
        if salutation:
            dispatcher.utter_message(text=salutation)
        return answer_topic(dispatcher, tracker, topic_id)
    if name in CHECK_FORMS and may_start_a_check and not tracker.active_loop_name:
        if salutation:
            dispatcher.utter_message(text=salutation)
        return [SlotSet(slot, None) for slot in FRESH_START_SLOTS] + [FollowupAction(CHECK_FORMS[name])]
    return None


async def answer_what_follows_a_courtesy(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict] | None:
    """« bonjour, pouvez-vous m'expliquer ce qu'est ce dispositif ? » can fall back as a whole (personal data
    0.33, definition 0.3) while what follows « bonjour » reads clearly alone: its answer, after « Bonjour ! »
    for a greeting; None when the message does not open with a courtesy or the rest says nothing clear."""
    salutation = "Bonjour !" if opens_with_a_greeting(tracker.latest_message.get("text") or "") else None
    return await answer_after_courtesy(dispatcher, tracker, salutation, may_start_a_check=not describes_someone(tracker))


@apologise_on_error
class ActionThanks(Action):
    def name(self) -> str:
        return "action_thanks"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        describes = said(tracker, CANDIDATE_ENTITIES + EMPLOYER_ENTITIES)
        events = await answer_after_courtesy(dispatcher, tracker, None, may_start_a_check=not describes)
        if events is not None:
            return events
        leaves = LEAVE_TAKING.search(fold(tracker.latest_message.get("text") or ""))
        dispatcher.utter_message(response="utter_goodbye" if leaves else "utter_thanks")
        return []
