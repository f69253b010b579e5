"""When the NLU is unsure: offer its two best guesses as buttons, and a human contact after two misses."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import Restarted
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import FAQ_PREFIX, GUESS_LABELS, answered_with_definition
from actions.courtesy import answer_what_follows_a_courtesy
from actions.forms import answered_why_asked, answered_with_age_follow_up
from actions.offers import ActionOfferChecks, describes_a_candidate
from actions.parsing import says_it_is_an_employer
from actions.readings import (
    answer_a_follow_up,
    answer_beyond_the_sources,
    answer_by_wording,
    answer_close_readings,
    answer_question_by_question,
    answered_a_question_to_redo_the_contract,
)
from actions.safety import MENU_BUTTON, apologise_on_error
from knowledge import load_knowledge

FALLBACK_INTENT = "nlu_fallback"
# « ki pay » was offered « Supprimer mes données » and France VAE, read at a few per cent: noise, not guesses. The
# deletion is never a guess (the menu has it).
MIN_GUESS_CONFIDENCE = 0.1
NEVER_GUESSED = {"help", "delete_my_data"}


def best_guesses(intent_ranking: list[dict], topic_titles: dict[str, str], limit: int = 2) -> list[dict]:
    """Buttons for the best-ranked intents that can be offered, in ranking order."""
    buttons = []
    for ranked in intent_ranking:
        name = ranked.get("name") or ""
        confidence = ranked.get("confidence")
        if confidence is not None and confidence < MIN_GUESS_CONFIDENCE:
            break  # the ranking is sorted: the rest is lower still
        if name.startswith(FAQ_PREFIX) and name[len(FAQ_PREFIX):] in topic_titles:
            title = topic_titles[name[len(FAQ_PREFIX):]]
        elif name in GUESS_LABELS and name not in NEVER_GUESSED:
            title = GUESS_LABELS[name]
        else:
            continue
        buttons.append({"title": title, "payload": f"/{name}"})
        if len(buttons) == limit:
            break
    return buttons


def misses_in_a_row(events: list[dict]) -> int:
    """How many of the latest user messages in a row fell back (the current one included)."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data", {}).get("intent") or {}).get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


@apologise_on_error
class ActionClarify(Action):
    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        if answered_with_definition(dispatcher, load_knowledge(), tracker.latest_message.get("text")):
            return []
        if answered_with_age_follow_up(dispatcher, tracker):  # « et à 30 ? » right after the salary or aids answer
            return []
        # « c'est pour qui et jusqu'à quand ? »: two questions the NLU could not read together.
        events = await answer_question_by_question(dispatcher, tracker)
        if events is None:  # « je suis en arrêt maladie, je peux commencer ? »
            events = answer_beyond_the_sources(dispatcher, tracker)
        fell_back = (tracker.latest_message.get("intent") or {}).get("name") == FALLBACK_INTENT
        if events is None and fell_back:
            events = await answer_what_follows_a_courtesy(dispatcher, tracker)
        if events is None and fell_back:
            events = answer_by_wording(dispatcher, tracker)
        if events is None and fell_back:  # « aucune expérience, la VAE classique ? »: torn between two topics
            events = answer_close_readings(dispatcher, tracker)
        if events is not None:
            return events
        # « je suis maman au foyer, 38 ans, je voudrais reprendre un travail … » is no question the NLU knows, yet
        # it says who is speaking: the offer of the pre-screen (which reuses it) rather than two unrelated topics.
        # So does « bonjour ! je suis une entreprise, je peux recruter avec ce dispositif ? » read without much
        # confidence as the employer check (0.45): the offer of that check.
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = tracker.latest_message.get("text") or ""
        if intent in (FALLBACK_INTENT, "start_prescreen", "employer_check") and not tracker.active_loop_name \
                and (describes_a_candidate(tracker) or says_it_is_an_employer(text)):
            return await ActionOfferChecks().run(dispatcher, tracker, domain)
        if misses_in_a_row(tracker.events) >= 2:
            dispatcher.utter_message(
                text="Je n'arrive toujours pas à vous comprendre, pardonnez-moi.",
                buttons=[{"title": GUESS_LABELS["human_handoff"], "payload": "/human_handoff"}, MENU_BUTTON],
            )
            return []
        titles = {topic_id: topic.title for topic_id, topic in load_knowledge().faq_topics.items()}
        guesses = best_guesses(tracker.latest_message.get("intent_ranking") or [], titles)
        text = "Je ne suis pas sûr d'avoir compris (je réponds uniquement aux questions sur la VAE inversée)."
        # Not a yes/no question: « Vouliez-vous parler de l'un de ces sujets ? » drew a « oui » that named none.
        text += " Choisissez l'un de ces sujets, ou reformulez votre question." if guesses else " Pouvez-vous reformuler ?"
        dispatcher.utter_message(text=text, buttons=guesses + [MENU_BUTTON])
        return []


@apologise_on_error
class ActionOutOfScope(Action):
    """Decline what the assistant does not cover, unless the message says who is speaking: « je suis à la retraite,
    c'est possible ? » read as out of scope (0.73) is a candidate, who gets the offer of the pre-screen."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        events = answer_beyond_the_sources(dispatcher, tracker)  # « il faut un titre de séjour ? »
        if events is not None:
            return events
        # « et à 19 ? » right after the salary's answer, or « et le BTP ? » after the sectors', read as out of scope.
        if answered_with_age_follow_up(dispatcher, tracker):
            return []
        events = answer_a_follow_up(dispatcher, tracker)
        if events is not None:
            return events
        if describes_a_candidate(tracker):
            return await ActionOfferChecks().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


@apologise_on_error
class ActionStartOver(Action):
    """« recommencer » outside a check: the conversation starts again from nothing, as Rasa's action_restart does.
    « on peut le refaire ? » right after the failure's answer (read as starting over, 0.70) asks whether the
    contract can be done again: the renewal's answer, and nothing is wiped."""

    def name(self) -> str:
        return "action_start_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        if answered_a_question_to_redo_the_contract(dispatcher, tracker):
            return []
        dispatcher.utter_message(response="utter_restart")
        return [Restarted()]


@apologise_on_error
class ActionMenu(Action):
    """The menu; during a check, « pourquoi vous demandez ça ? » (read as help, 0.62) gets why the question is
    asked instead, and the check asks it again."""

    def name(self) -> str:
        return "action_menu"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        if not answered_why_asked(dispatcher, tracker):
            dispatcher.utter_message(response="utter_menu")
        return []
