"""Answer FAQ intents with the sourced, dated answers of knowledge/."""

from __future__ import annotations

import asyncio
import logging
import os
import re

import httpx
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (
    SALARY_TOPIC,
    answered_with_definition,
    definition_message,
    render_message,
    salary_message,
)
from actions.fallback import FAQ_PREFIX, ActionClarify
from actions.forms import age_for_salary, answered_with_salary_follow_up
from actions.offers import forget_offer, offer_check_after_answer
from actions.parsing import fold, is_a_bare_age_follow_up, says_it_is_an_employer
from actions.safety import apologise_on_error
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


# « quelle différence avec un contrat pro classique ? » reads as the VAE classique's topic (the word « classique »):
# a comparison with the ordinary contract, naming no other VAE, gets the contract's topic, which names the
# derogations. Three trainings with a topic of its own cost the NLU (bench/HISTORY.md).
ORDINARY_CONTRACT = re.compile(r"\bcontrats? (?:de )?pro(?:fessionnalisation)?\b")
ANOTHER_VAE = re.compile(r"\bvae\b(?! inversee)")


# « y a-t-il un montant maximum pour le jury ? », « plafonds de prise en charge pour chaque étape » read as the cap
# on places (the words « maximum », « plafond »): a cap asked in money is the split of the 9 000 €.
MONEY = re.compile(r"\b(?:montants?|euros?|frais|budget|somme|argent|financements?|prise en charge|pai(?:e|ent)|"
                   r"payee?s?|payer)\b")
# « quel est le reste à charge pour nous ? », « nous sommes une association, qui finance ? » read as the funding
# question, whose answer speaks to the employee.
EMPLOYER_SIDE = re.compile(r"\bpour (?:nous|l entreprise|l employeur|notre \w+|mon entreprise|ma boite|"
                           r"ma structure|la structure)\b|\bnous (?:coute|coutera|revient|reviendra)\b")

# « à qui s'adresse ce parcours ? » read as how to apply, « dans quels métiers ça se pratique ? » as the experience
# needed: who the scheme is for, and its jobs, are asked in these words whatever else the question says.
PUBLIC_ASKED = re.compile(r"\b(?:a qui s adresse|pour qui est|c est pour qui|qui peut (?:en )?(?:beneficier|profiter))\b")
NOT_THE_PUBLIC = re.compile(r"\b(?:employeurs?|entreprises?|structures?|porteurs?|organismes?)\b")
JOBS_ASKED = re.compile(r"\b(?:quels?|dans quels?) (?:metiers|secteurs|domaines)\b")
JOB_TOPICS = {"sectors", "certifications", "employers_allowed", "public_employers"}
# « c tjr possible en 2026 ? » reads as « does the 6 000 € aid still exist? »: without the aid named, what is still
# possible is signing a contract.
AID_NAMED = re.compile(r"\b(?:aides?|primes?|6 ?000|six mille|euros?|subventions?|bonus|exceptionnelle)\b")
# « c'est sur 2 ans ? » reads as the age question (« 2 ans »): a length asked is the duration.
LENGTH_ASKED = re.compile(r"\b(?:sur|en) (?:\d{1,2}|un|deux|trois|quatre|dix-huit) (?:ans?|annees?|mois)\b")


# « la VAE inversée a-t-elle été prolongée ? » falls back, or reads as the renewal of a contract after a failure:
# the experiment's extension is its window's question. A contract or a parcours extended is the renewal.
EXTENSION_ASKED = re.compile(r"\b(?:prolong\w*|proroge\w*|prorogation|reconduit\w*|reconduction|perennis\w*)\b")
EXPERIMENT_NAMED = re.compile(r"\b(?:experimentation|dispositif|vae inversee|mesure|programme|appel a projets?)\b")
CONTRACT_NAMED = re.compile(r"\b(?:contrats?|parcours|echou\w*|rate\w*|diplomes?|formation)\b")


# « les geiq participent-ils à l'expérimentation ? » read as the evaluation (0.26): who takes part is the sponsors'.
TAKING_PART = re.compile(r"\b(?:particip\w*|font partie|impliqu\w*)\b")
SPONSOR_KINDS = re.compile(r"\b(?:geiq|opco|branches?|organismes? de formation|centres? de formation|ecoles?)\b")
# « l'employeur dépose le contrat où ? » read as the employer's cost (0.39): sending the contract is its filing.
CONTRACT_SENT = re.compile(r"\b(?:depos\w*|envoy\w*|transmet\w*|transmis\w*)\b")
# « on veut monter un projet, on écrit à qui ? » fell back: submitting a project is the sponsors' application.
# (« qui peut porter un projet ? » is the sponsors' list, not how to apply.)
PROJECT_SUBMITTED = re.compile(r"\b(?:monter|deposer|presenter|soumettre|proposer) (?:un|notre|le|mon|son) projet\b")
# « combien est financé pour l'accompagnement vae ? » fell back: an amount for one stage is the split of the 9 000 €.
STAGE_NAMED = re.compile(r"\b(?:accompagnement|positionnement|jury|frais pedagogiques|frais annexes|hebergement|"
                         r"transport|coordination)\b")
STAGE_PAID = re.compile(r"\b(?:finance\w*|combien|pris en charge|prise en charge|montants?|euros?|frais|paye\w*)\b")
AMOUNT_ASKED = re.compile(r"\b(?:combien|montants?|euros?|hauteur|plafonds?|maximum)\b")


# « combien ça coûte pour un salarié ? » read as the employer's cost (0.89): asked for the employee, it is the
# funding's question, whose answer says the parcours is free for them.
EMPLOYEE_SIDE = re.compile(r"\bpour (?:un|une|le|la|les) (?:salariee?s?|candidate?s?|beneficiaires?|personnes?)\b|"
                           r"\bpour moi\b|\bje (?:dois|vais|devrai) (?:payer|debourser)\b")
EMPLOYER_NAMED = re.compile(r"\b(?:entreprises?|employeurs?|structures?|patrons?)\b")


# « le salaire est-il à notre charge ? » read as the minimum pay: who pays it is the employer's cost.
SALARY_PAID_BY = re.compile(r"\ba (?:notre|votre|leur|sa|la) charge\b|\bqui (?:paie|paye|verse|finance)\b")
# « nous sommes un organisme de formation certifié Qualiopi, comment candidater ? » read as France VAE (Qualiopi):
# a sponsor asking how to apply.
SPONSOR_SPEAKING = re.compile(r"\b(?:nous sommes|on est|je represente|je travaille (?:dans|pour))\b.*"
                              r"\b(?:organismes? de formation|centres? de formation|geiq|opco|branches?)\b")
APPLYING = re.compile(r"\b(?:candidat\w*|postuler|deposer|repondre a l appel|nous inscrire|participer)\b")
# « comment se répartit le financement de 9000 euros ? » read as the funding: its split is the sub-caps' answer.
SPLIT_ASKED = re.compile(r"\b(?:repart\w*|decompos\w*|ventil\w*|detail\w*|sous[- ]plafonds?)\b")


def topic_for_wording(topic_id: str | None, text: str) -> str | None:
    folded = fold(text).replace("'", " ")  # « s'adresse », « l'entreprise »: the patterns are written word by word
    if EXTENSION_ASKED.search(folded) and EXPERIMENT_NAMED.search(folded) and not CONTRACT_NAMED.search(folded):
        return "window"
    if TAKING_PART.search(folded) and SPONSOR_KINDS.search(folded) and EXPERIMENT_NAMED.search(folded) \
            and not MONEY.search(folded):
        return "sponsor_who"
    if CONTRACT_SENT.search(folded) and re.search(r"\bcontrats?\b", folded) and topic_id != "cdi_avenant":
        return "opco_filing"
    if PROJECT_SUBMITTED.search(folded) and topic_id != "employer_steps" \
            or SPONSOR_SPEAKING.search(folded) and APPLYING.search(folded):
        return "sponsor_apply"
    if topic_id == "salary" and SALARY_PAID_BY.search(folded):
        return "employer_cost"
    if topic_id in ("funding", "cap") and SPLIT_ASKED.search(folded) and (MONEY.search(folded) or "€" in text):
        return "funding_subcaps"
    if STAGE_NAMED.search(folded) and (topic_id in (None, "cap") and STAGE_PAID.search(folded)
                                       or topic_id == "funding" and AMOUNT_ASKED.search(folded)):
        return "funding_subcaps"  # « qui finance l'accompagnement ? » stays the funding's: who pays
    if topic_id == "vs_classic_vae" and ORDINARY_CONTRACT.search(folded) and not ANOTHER_VAE.search(folded):
        return "contract_form"
    if topic_id == "cap" and (MONEY.search(folded) or "€" in text):
        return "funding_subcaps"
    if topic_id == "funding" and (EMPLOYER_SIDE.search(folded) or says_it_is_an_employer(text)):
        return "employer_cost"
    if topic_id == "employer_cost" and EMPLOYEE_SIDE.search(folded) \
            and not (EMPLOYER_SIDE.search(folded) or EMPLOYER_NAMED.search(folded) or says_it_is_an_employer(text)):
        return "funding"
    if PUBLIC_ASKED.search(folded) and not NOT_THE_PUBLIC.search(folded):
        return "public_age"
    if JOBS_ASKED.search(folded) and topic_id not in JOB_TOPICS:
        return "sectors"
    if topic_id == "public_age" and LENGTH_ASKED.search(folded):
        return "duration"
    if topic_id == "aid_6000_ended" and not AID_NAMED.search(folded) and "€" not in text:
        return "window"
    return topic_id


def topic_for_intent(intent: str | None) -> str | None:
    if not intent:
        return None
    if intent.startswith(FAQ_PREFIX):
        return intent[len(FAQ_PREFIX):]
    return TOPIC_FOR_INTENT.get(intent)


# Several questions in one message (« combien ça dure et combien je serai payé ? »): the NLU gives the whole message
# one intent, often a third topic, while each question read on its own is reliable (probe of 2026-12-07: 24 of 26
# questions right, at 0.45 or more). Questions end with « ? » or start with « et » and a question word.
QUESTION_BREAK = re.compile(
    r"\?+|[,;]?\s+et\s+(?=(?:combien|quel|quelle|quels|quelles|qui|o[uù]|comment|pourquoi|quand|jusqu|est[- ]ce|"
    r"y a|il y a|dans quel|dans quels|[àa] partir|peut|puis|faut)\b)", re.IGNORECASE)
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


async def read_each(questions: list[str]) -> list[dict]:
    """The NLU's reading of each question, from the Rasa server's HTTP API (token-protected; the stack sets
    RASA_URL and RASA_API_TOKEN); [] when it cannot be reached, so that the message is answered as one."""
    url, token = os.environ.get("RASA_URL"), os.environ.get("RASA_API_TOKEN")
    if not (url and token):
        return []
    try:
        async with httpx.AsyncClient(timeout=PARSE_TIMEOUT) as client:
            responses = await asyncio.gather(*(
                client.post(f"{url.rstrip('/')}/model/parse", params={"token": token}, json={"text": question})
                for question in questions))
        for response in responses:
            response.raise_for_status()
        return [response.json() for response in responses]
    except (httpx.HTTPError, ValueError) as error:  # never the text: it may hold a name
        logger.warning("cannot read the questions one by one (%s): answered as one", type(error).__name__)
        return []


def topic_message(kb, tracker: Tracker, topic_id: str) -> dict:
    age = age_for_salary(tracker) if topic_id == SALARY_TOPIC else None
    if age is not None:
        return salary_message(kb, age, on=clock.today())
    return render_message(kb, topic_id, on=clock.today())


async def answer_question_by_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict] | None:
    """Answer each question of a message that asks several about different topics, and return the events; None
    when the message asks one question (or only one topic can be read), to be answered as a whole."""
    questions = questions_in(tracker.latest_message.get("text") or "")
    readings = await read_each(questions) if questions else []
    kb = load_knowledge()
    answers: dict[str, dict] = {}  # topic or term -> message, in the order asked
    for question, reading in zip(questions, readings, strict=False):  # no readings: nothing to split
        term = kb.term_asked(question)
        if term is not None:
            answers.setdefault(f"term:{term.id}", definition_message(kb, term))
            continue
        intent = reading.get("intent") or {}
        name = intent.get("name") or ""
        topic_id = topic_for_intent(name) if name.startswith(FAQ_PREFIX) \
            and (intent.get("confidence") or 0) >= QUESTION_CONFIDENCE else None
        topic_id = topic_for_speaker(topic_for_wording(topic_id, question), tracker)
        if topic_id in kb.faq_topics:
            answers.setdefault(topic_id, topic_message(kb, tracker, topic_id))
    if len(answers) < 2:
        return None
    return utter_answers(dispatcher, tracker, answers)


def utter_answers(dispatcher: CollectingDispatcher, tracker: Tracker, answers: dict[str, dict]) -> list[dict]:
    """Several answers in one turn (topic or `term:` id -> message), then the offer that fits the first topic."""
    answered = {f"/{FAQ_PREFIX}{key}" for key in answers}
    for message in answers.values():
        # No button for a topic answered in this same turn (« Quelles aides ? » under the employer's cost).
        dispatcher.utter_message(**{**message, "buttons": [b for b in message["buttons"] if b["payload"] not in answered]})
    topics = [key for key in answers if not key.startswith("term:")]
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
    topics = [topic_for_speaker(topic_for_wording(topic_for_intent(r["name"]), text), tracker) for r in ranking]
    answers = {topic_id: topic_message(kb, tracker, topic_id) for topic_id in topics if topic_id in kb.faq_topics}
    return utter_answers(dispatcher, tracker, answers) if answers else None


def answer_by_wording(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict] | None:
    """A message the NLU could not read, whose wording names its topic (« c'est pour qui ? », « le dispositif
    est-il prolongé ? »): that topic's answer and events; None when the wording names none."""
    kb = load_knowledge()
    topic_id = topic_for_speaker(topic_for_wording(None, tracker.latest_message.get("text") or ""), tracker)
    if topic_id not in kb.faq_topics:
        return None
    dispatcher.utter_message(**topic_message(kb, tracker, topic_id))
    return offer_check_after_answer(dispatcher, tracker, topic_id)


@apologise_on_error
class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        kb = load_knowledge()
        if (answered_with_definition(dispatcher, kb, tracker.latest_message.get("text"))
                or answered_with_salary_follow_up(dispatcher, tracker)):  # « et à 27 ans ? » reads as public_age
            return forget_offer(tracker)
        events = await answer_question_by_question(dispatcher, tracker)
        if events is not None:
            return events
        topic_id = topic_for_intent((tracker.latest_message.get("intent") or {}).get("name"))
        topic_id = topic_for_speaker(topic_for_wording(topic_id, tracker.latest_message.get("text") or ""), tracker)
        if topic_id not in kb.faq_topics:
            logger.warning("no knowledge topic for intent of this turn: %s", topic_id)
            return await ActionClarify().run(dispatcher, tracker, domain)
        dispatcher.utter_message(**topic_message(kb, tracker, topic_id))
        return offer_check_after_answer(dispatcher, tracker, topic_id)
