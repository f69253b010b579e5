"""What a message asks: the FAQ topic of its intent, corrected by its wording and by who is speaking; the
questions of a message that asks several, read one by one; and the answers to those readings."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import ssl

import httpx
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (
    FAQ_PREFIX,
    GUESS_LABELS,
    SALARY_TOPIC,
    definition_message,
    render_message,
    salary_message,
)
from actions.forms import age_for_salary, entity_value_in, user_positions
from actions.offers import PENDING_ANSWERS, forget_offer, offer_check_after_answer
from actions.parsing import is_a_bare_age_follow_up
from actions.safety import MENU_BUTTON
from actions.wording import (
    asks_to_redo_the_contract,
    asks_whether_covered,
    names_a_detail,
    situation_beyond_the_sources,
    topic_for_wording,
    topic_of_a_follow_up,
)
from knowledge import clock, load_knowledge

logger = logging.getLogger(__name__)


# Conversation intents that, until their guided flows exist, get the topic that covers them.
TOPIC_FOR_INTENT = {
    "start_prescreen": "public_age",
    "employer_check": "employers_allowed",
    "sponsor_info": "sponsor_apply",
    "my_data": "personal_data",
    "delete_my_data": "personal_data",
}


# Who asks changes the answer about money: after an employer check, "c'est combien pour moi ?" (recognised as the
# candidate's funding question, "gratuit pour vous, salarié") is the employer's cost.
EMPLOYER_TOPICS = {"funding": "employer_cost"}


def topic_for_speaker(topic_id: str | None, tracker: Tracker) -> str | None:
    speaks_as_employer = tracker.get_slot("employer_kind") and not tracker.get_slot("situation")
    return EMPLOYER_TOPICS.get(topic_id, topic_id) if speaks_as_employer else topic_id


def topic_for_intent(intent: str | None) -> str | None:
    if not intent:
        return None
    if intent.startswith(FAQ_PREFIX):
        return intent[len(FAQ_PREFIX):]
    return TOPIC_FOR_INTENT.get(intent)


def topic_asked(intent: str | None, text: str, tracker: Tracker) -> str | None:
    """The FAQ topic a message asks: its intent's, corrected by its wording, by the topic it follows up and by who
    is speaking."""
    topic_id = topic_for_wording(topic_for_intent(intent), text)
    names_a_job = any(entity_value_in(tracker.latest_message, name) for name in ("sector", "certification"))
    if asks_whether_covered(topic_id, text, names_a_job):
        topic_id = "sectors"  # « ça concerne l'aide à domicile ? »
    topic_id = topic_of_a_follow_up(topic_id, text, topic_asked_before(tracker))  # « et le BTP ? »
    return topic_for_speaker(topic_id, tracker)


def topic_asked_before(tracker: Tracker) -> str | None:
    """The FAQ topic the NLU read in the user's message before the latest one, if any."""
    users = user_positions(tracker)
    if len(users) < 2:
        return None
    before = tracker.events[users[-2]]
    intent = ((before.get("parse_data") or {}).get("intent") or {}).get("name")
    topic_id = topic_for_wording(topic_for_intent(intent), before.get("text") or "")  # as it was answered
    return topic_id if topic_id in load_knowledge().faq_topics else None


def faq_intent_of(reading: dict, min_confidence: float) -> str | None:
    """The FAQ intent of one of the NLU's readings, when read at `min_confidence` or more."""
    intent = reading.get("intent") or {}
    name = intent.get("name") or ""
    return name if name.startswith(FAQ_PREFIX) and (intent.get("confidence") or 0) >= min_confidence else None


# Several questions in one message (« combien ça dure et combien je serai payé ? »): the NLU gives the whole message
# one intent, often a third topic, while each question read on its own is reliable (probe of 2026-12-07: 24 of 26
# questions right, at 0.45 or more). Questions end with « ? » or start with « et » and a question word.
QUESTION_BREAK = re.compile(
    r"\?+|[,;]?\s+et\s+(?=(?:combien|quel|quelle|quels|quelles|qui|o[uù]|comment|pourquoi|quand|jusqu|est[- ]ce|"
    r"y a|il y a|dans quel|dans quels|[àa] partir|peut|puis|faut|"
    # « c'est combien de temps et on est payé combien ? »
    r"(?:on|je) (?:est|sera|serai|serait|touche|gagne|peut|doit|dois)|[cç]a (?:dure|co[uû]te|prend)|"
    r"c[' ]est (?:combien|quoi|qui|quand|pour qui)|que (?:se passe|faire|faut|dois|doit)|qu[' ]est[- ]ce)\b)",
    re.IGNORECASE)
QUESTION_CONFIDENCE = 0.4
MAX_QUESTIONS = 3
MAX_SPLIT_CHARS = 600  # a long story is no list of questions: answered as one message
PARSE_TIMEOUT = 5.0


def questions_in(text: str) -> list[str]:
    """The questions of a message that asks several; [] for a message that asks one."""
    if len(text) > MAX_SPLIT_CHARS:
        return []
    parts = [part.strip(" ,;.!") for part in QUESTION_BREAK.split(text)]
    # « et à 19 ans ? » after « quel salaire ? » is the same question for another age, not a second topic.
    parts = [part for part in parts if sum(ch.isalpha() for ch in part) >= 3 and not is_a_bare_age_follow_up(part)]
    return parts[:MAX_QUESTIONS] if len(parts) >= 2 else []


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every client: httpx builds a new one (loading the CA certificates, ~50 ms) for each
    client otherwise, the action server's main cost under load (bench profile of 2026-12-07)."""
    return ssl.create_default_context()


async def read_each(questions: list[str]) -> list[dict]:
    """The NLU's reading of each question, from the Rasa server's HTTP API (token-protected; the stack sets
    RASA_URL and RASA_API_TOKEN); [] when it cannot be reached, so that the message is answered as one."""
    url, token = os.environ.get("RASA_URL"), os.environ.get("RASA_API_TOKEN")
    if not (url and token):
        return []
    try:
        async with httpx.AsyncClient(timeout=PARSE_TIMEOUT, verify=tls_context()) as client:
            responses = await asyncio.gather(*(
                client.post(f"{url.rstrip('/')}/model/parse", params={"token": token}, json={"text": question})
                for question in questions))
        for response in responses:
            response.raise_for_status()
        return [response.json() for response in responses]
    except (httpx.HTTPError, ValueError) as error:  # never the text: it may hold a name
        logger.warning("cannot read the questions one by one (%s): answered as one", type(error).__name__)
        return []


# Where to ask what the facts cannot say (actions/wording.py, situation_beyond_the_sources).
WHERE_TO_ASK = {
    "benefits": "Pour vos allocations chômage, interrogez votre conseiller France Travail ; pour le RSA ou la prime "
                "d'activité, votre CAF (ou la MSA).",
    "health": "Parlez-en à votre médecin et, si vous êtes salarié(e), à votre employeur ou à votre caisse "
              "d'assurance maladie.",
    "residence": "Pour savoir si votre situation vous permet de travailler en France, renseignez-vous auprès de la "
                 "préfecture (les démarches sont décrites sur service-public.fr) ; votre conseiller France Travail "
                 "peut aussi vous orienter.",
}
BEYOND_SOURCES_KEY = "note:beyond_sources"  # its place among a turn's answers, beside topics and `term:` ids


def beyond_sources_message(kind: str, offer: bool = False) -> dict:
    text = ("Je n'ai pas d'information vérifiée sur ce point : il dépend de votre situation personnelle, et les "
            "textes de la VAE inversée n'en disent rien. " + WHERE_TO_ASK[kind] + " Le porteur de projet qui "
            "vous accompagnerait pourra aussi vous renseigner.")
    buttons = [{"title": GUESS_LABELS["human_handoff"], "payload": "/human_handoff"}, MENU_BUTTON]
    if offer:
        text += " Voulez-vous vérifier avec moi, en quelques questions, si un parcours vous est accessible ?"
        buttons.insert(0, {"title": GUESS_LABELS["start_prescreen"], "payload": "/start_prescreen"})
    return {"text": text, "buttons": buttons}


def answer_beyond_the_sources(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict] | None:
    """Where to ask, for a message about the person's own benefits or health (no sourced answer exists), then the
    offer of the pre-screen outside a check; the events, or None when the message asks no such thing."""
    kind = situation_beyond_the_sources(tracker.latest_message.get("text") or "")
    if kind is None:
        return None
    offer = not tracker.active_loop_name and tracker.get_slot("awaiting") not in PENDING_ANSWERS
    dispatcher.utter_message(**beyond_sources_message(kind, offer))
    return [SlotSet("awaiting", "offer_prescreen")] if offer else forget_offer(tracker)


def answered_a_question_to_redo_the_contract(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """« on peut le refaire ? », read as starting over (0.70), asks whether the contract or its exam can be done
    again: the renewal's answer, and True; False for any other message (« recommencer »)."""
    if not asks_to_redo_the_contract(tracker.latest_message.get("text") or ""):
        return False
    dispatcher.utter_message(**topic_message(load_knowledge(), tracker, "renewal_failure"))
    return True


def topic_message(kb, tracker: Tracker, topic_id: str) -> dict:
    age = age_for_salary(tracker) if topic_id == SALARY_TOPIC else None
    if age is not None:
        return salary_message(kb, age, on=clock.today())
    return render_message(kb, topic_id, on=clock.today())


async def answer_question_by_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict] | None:
    """Answer each question of a message that asks several about different topics, and return the events; None
    when the message asks one question (or only one topic can be read), to be answered as a whole."""
    questions = questions_in(tracker.latest_message.get("text") or "")
    # Each read as the question it is: « jusqu'à quand » alone reads as out of scope (0.52), « jusqu'à quand ? »
    # as the window (0.60).
    readings = await read_each([f"{question} ?" for question in questions]) if questions else []
    kb = load_knowledge()
    answers: dict[str, dict] = {}  # topic or term -> message, in the order asked
    for question, reading in zip(questions, readings, strict=False):  # no readings: nothing to split
        term = kb.term_asked(question)
        if term is not None:
            answers.setdefault(f"term:{term.id}", definition_message(kb, term))
            continue
        kind = situation_beyond_the_sources(question)
        if kind is not None:  # « combien je serai payé et est-ce que je garde le RSA ? »
            answers.setdefault(BEYOND_SOURCES_KEY, beyond_sources_message(kind))
            continue
        topic_id = topic_asked(faq_intent_of(reading, QUESTION_CONFIDENCE), question, tracker)
        if topic_id in kb.faq_topics:
            answers.setdefault(topic_id, topic_message(kb, tracker, topic_id))
    if len(answers) < 2:
        return None
    return utter_answers(dispatcher, tracker, answers)


def utter_answers(dispatcher: CollectingDispatcher, tracker: Tracker, answers: dict[str, dict]) -> list[dict]:
    """Several answers in one turn (topic, `term:` or `note:` id -> message), then the offer that fits the first
    topic."""
    answered = {f"/{FAQ_PREFIX}{key}" for key in answers}
    for message in answers.values():
        # No button for a topic answered in this same turn (« Quelles aides ? » under the employer's cost).
        dispatcher.utter_message(**{**message, "buttons": [b for b in message["buttons"] if b["payload"] not in answered]})
    topics = [key for key in answers if ":" not in key]
    return offer_check_after_answer(dispatcher, tracker, topics[0]) if topics else forget_offer(tracker)


# « Je n'ai aucune expérience, la VAE classique est-elle possible ? » can read 0.47 / 0.44 between two topics, and
# the NLU's fallback then asks to choose between them. Two readings that sure are both relevant: both answers.
CLOSE_READING_CONFIDENCE = 0.3


def answer_close_readings(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict] | None:
    """When the NLU hesitated between two FAQ topics it read with some confidence: both answers and the events;
    None otherwise (the clarification then offers its guesses)."""
    ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"][:2]
    if len(ranking) < 2 or any(not (r.get("name") or "").startswith(FAQ_PREFIX)
                               or (r.get("confidence") or 0) < CLOSE_READING_CONFIDENCE for r in ranking):
        return None
    kb = load_knowledge()
    text = tracker.latest_message.get("text") or ""
    topics = [topic_asked(r["name"], text, tracker) for r in ranking]
    answers = {topic_id: topic_message(kb, tracker, topic_id) for topic_id in topics if topic_id in kb.faq_topics}
    return utter_answers(dispatcher, tracker, answers) if answers else None


def answer_topic(dispatcher: CollectingDispatcher, tracker: Tracker, topic_id: str | None) -> list[dict] | None:
    """A FAQ topic's answer, then the offer of a check it may call for, and their events; None (nothing said)
    when `topic_id` is no FAQ topic."""
    kb = load_knowledge()
    if topic_id not in kb.faq_topics:
        return None
    dispatcher.utter_message(**topic_message(kb, tracker, topic_id))
    return offer_check_after_answer(dispatcher, tracker, topic_id)


def answer_a_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict] | None:
    """A short « et … » right after a FAQ answer that the NLU read as nothing it answers (out of scope): the
    previous topic's answer (`topic_of_a_follow_up`); None when the message is no such follow-up. Read as out of
    scope, it must name a detail the answer can depend on (an entity, a number, a diploma): « et le BTP ? » after
    the sectors' answer is one, « et la météo ? » after the salary's is not."""
    text = tracker.latest_message.get("text") or ""
    if not (tracker.latest_message.get("entities") or names_a_detail(text)):
        return None
    return answer_topic(dispatcher, tracker, topic_of_a_follow_up(None, text, topic_asked_before(tracker)))


def answer_by_wording(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict] | None:
    """A message the NLU could not read, whose wording names its topic (« c'est pour qui ? », « le dispositif
    est-il prolongé ? »): that topic's answer and events; None when the wording names none."""
    return answer_topic(dispatcher, tracker, topic_asked(None, tracker.latest_message.get("text") or "", tracker))
