"""Answer FAQ intents with the sourced, dated answers of knowledge/."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import answered_with_definition
from actions.fallback import ActionClarify
from actions.forms import answered_why_asked, answered_with_age_follow_up
from actions.offers import forget_offer
from actions.readings import (
    answer_beyond_the_sources,
    answer_question_by_question,
    answer_topic,
    topic_asked,
)
from actions.safety import apologise_on_error
from knowledge import load_knowledge

logger = logging.getLogger(__name__)


@apologise_on_error
class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        kb = load_knowledge()
        if answered_why_asked(dispatcher, tracker):  # « pourquoi vous voulez mon numéro ? » during a check
            return []
        if (answered_with_definition(dispatcher, kb, tracker.latest_message.get("text"))
                or answered_with_age_follow_up(dispatcher, tracker)):  # « et à 27 ans ? » reads as public_age
            return forget_offer(tracker)
        events = await answer_question_by_question(dispatcher, tracker)
        if events is not None:
            return events
        events = answer_beyond_the_sources(dispatcher, tracker)  # « je garde mon RSA si je signe ? »
        if events is not None:
            return events
        topic_id = topic_asked((tracker.latest_message.get("intent") or {}).get("name"),
                               tracker.latest_message.get("text") or "", tracker)
        events = answer_topic(dispatcher, tracker, topic_id)
        if events is not None:
            return events
        logger.warning("no knowledge topic for intent of this turn: %s", topic_id)
        return await ActionClarify().run(dispatcher, tracker, domain)
