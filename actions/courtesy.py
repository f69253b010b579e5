"""Greetings and thanks, which often carry more than courtesy."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.offers import CANDIDATE_ENTITIES, EMPLOYER_ENTITIES, ActionOfferChecks, said
from actions.parsing import fold, says_it_is_an_employer
from actions.safety import apologise_on_error

# « merci, au revoir », « merci et bonne journée » are read as thanks: they take leave too.
LEAVE_TAKING = re.compile(r"\b(?:au revoir|bonne (?:journee|soiree|fin de journee|continuation|nuit)|a bientot|"
                          r"a plus|bye|ciao|adieu)\b")


@apologise_on_error
class ActionGreet(Action):
    """« bonjour, nous sommes un ehpad », « salut, j'ai 40 ans et je suis au RSA » (read as greetings): the greeting,
    then the offer of the check that what was said points to. A bare « bonjour » gets the greeting alone."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        dispatcher.utter_message(response="utter_greet")
        if said(tracker, CANDIDATE_ENTITIES + EMPLOYER_ENTITIES) \
                or says_it_is_an_employer(tracker.latest_message.get("text")):
            return await ActionOfferChecks().run(dispatcher, tracker, domain)
        return []


@apologise_on_error
class ActionThanks(Action):
    def name(self) -> str:
        return "action_thanks"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        leaves = LEAVE_TAKING.search(fold(tracker.latest_message.get("text") or ""))
        dispatcher.utter_message(response="utter_goodbye" if leaves else "utter_thanks")
        return []
