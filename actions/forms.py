"""Validation of the two forms: the candidate pre-screen and the employer check.

Every form slot uses a custom mapping: `extract_<slot>` takes the answer to the question being asked
(or a correction given later, such as a new age), and `validate_<slot>` reads it and either fills the
slot or says what is expected and asks again. A question about something else (a FAQ, "stop",
"menu"...) is not taken as an answer: the form then steps aside and the rules answer it. A message that would
end or restart the form counts as such only when the NLU is fairly sure of it (`unsure_leaving`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (
    FAQ_PREFIX,
    HIRING_AIDS_TOPIC,
    SALARY_TOPIC,
    answered_with_definition,
    hiring_aids_message,
    salary_message,
)
from actions.parsing import (
    asks_something,
    fold,
    fold_words,
    hires_in,
    is_a_bare_age_follow_up,
    is_a_department_number,
    is_a_duration,
    is_a_vague_quantity,
    looks_like_a_contact,
    parse_age,
    parse_contact,
    parse_first_name,
    parse_hires,
    parse_situation,
    parse_yes_no,
    says_employed,
    says_it_is_an_age,
    says_it_is_an_employer,
    words_to_number,
)
from actions.safety import apologise_on_error
from knowledge import clock, load_knowledge
from knowledge.engine import CLEAR_MATCH

FORM_SLOTS = [
    "age", "situation", "cdi_amendment", "target", "department", "contact_preference", "contact_value",
    "first_name", "employer_kind", "sector", "hires",
]
# Intents that are questions or commands, not answers: the form lets the rules handle them.
NOT_ANSWERS = {
    "stop", "start_over", "help", "human_handoff", "bot_challenge", "my_data", "delete_my_data", "out_of_scope",
    "insult", "greet", "goodbye", "thanks", "start_prescreen", "employer_check", "sponsor_info",
}
# Intents whose rules end the form, restart it or switch to the other one: the answers given so far are lost.
# When the NLU is unsure of them ("abc" read as `stop` at 0.27), the message is checked as an answer instead,
# and the re-ask says how to leave (LEAVE_HINT).
LEAVING_INTENTS = {"stop", "goodbye", "start_over", "start_prescreen", "employer_check", "delete_my_data"}
SURE_ENOUGH_TO_LEAVE = 0.5
# Intents that, read without much confidence during a check, are rather a misread answer than a digression.
UNSURE_MEANS_AN_ANSWER = {"insult", "thanks", "greet", "bot_challenge"}
LEAVE_HINT = "Pour arrêter le questionnaire, écrivez « stop » ; pour le reprendre au début, « recommencer »."
SITUATION_LABELS = {
    "job_seeker": "Demandeur d'emploi (dont RSA, ASS)",
    "employee_cdi": "Salarié(e) en CDI",
    "employee_cdd": "Salarié(e) en CDD",
    "temp_worker": "Intérimaire",
    "student": "Étudiant(e) ou lycéen(ne)",
    "self_employed": "Indépendant(e), auto-entrepreneur",
    "inactive": "Sans activité",
    "other": "Autre situation",
}
EMPLOYER_KIND_LABELS = {
    "private": "Entreprise privée (dont GEIQ, intérim)",
    "association": "Association",
    "public": "Employeur public (mairie, hôpital public…)",
    "epic": "Établissement public industriel et commercial (EPIC)",
}
CONTACT_LABELS = {"chat": "Ici, par message", "phone": "Par téléphone", "email": "Par e-mail"}
# Contact buttons send plain words, read by _contact_choice like typed answers.
CONTACT_PAYLOADS = {"chat": "par message ici", "phone": "par téléphone", "email": "par e-mail"}
SKIP_WORDS = {"passer", "non", "aucun", "pas de prenom", "je prefere pas", "je ne prefere pas", "skip"}
MAX_HIRES = 1000
KEPT_TARGET_CHARS = 60  # a longer answer is a sentence, not the name of a job
# A job or diploma that is not in the catalogue is kept as said when the person chooses so (its button sends
# this prefix): the sponsor checks it, rather than the person being stuck at the question.
OUTSIDE_CATALOGUE = "hors catalogue : "
KEEP_TYPED = re.compile(r"^garder\s*[«\"]\s*(.+?)\s*[»\"]$", re.IGNORECASE)
# The messages that open a form; what they already say is not asked again.
OPENING_INTENTS = {"start_prescreen", "employer_check"}


def inform(entity: str, value: str) -> str:
    """A button payload that gives the value directly, without the NLU."""
    return "/inform" + json.dumps({entity: value}, ensure_ascii=False, separators=(",", ":"))


def button_title(title: str, limit: int = 60) -> str:
    """A long certification title, shortened to fit on a button: "TP" for "Titre professionnel" (as usual in
    the field), then cut at a word, with "…"."""
    if len(title) <= limit:
        return title
    title = title.replace("Titre professionnel ", "TP ", 1)
    if len(title) <= limit:
        return title
    return title[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,(-–") + "…"


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def entity_value(tracker: Tracker, entity: str) -> str | None:
    return entity_value_in(tracker.latest_message, entity)


def entity_value_in(message: dict, entity: str) -> str | None:
    values = entity_values_in(message, entity)
    return values[0] if values else None


def entity_values_in(message: dict, entity: str) -> list[str]:
    return [str(item["value"]) for item in message.get("entities") or []
            if item.get("entity") == entity and item.get("value") not in (None, "")]


def stated_value(message: dict, entity: str) -> str | None:
    """An entity of a message that answered no question. The NLU tags "depuis 10 ans" or "dans le 33" as an age:
    not taken."""
    value = entity_value_in(message, entity)
    if entity == "age" and value and not reads_as_an_age(message.get("text") or "", value):
        return None
    return value


def reads_as_an_age(text: str, value: str) -> bool:
    """Whether an age the NLU tagged is one: not « depuis 10 ans » (a duration) nor « dans le 33 » (a place)."""
    return not (is_a_duration(text, value) or is_a_department_number(text, value))


def readable_value(message: dict, entity: str) -> str | None:
    """The first entity of `entity` in a message that answered no question and that reads as an answer to its
    question: the NLU tags « du » in « du boulot » or « aaaaaaa » as a situation."""
    text = message.get("text") or ""
    for value in entity_values_in(message, entity):
        if entity == "age" and not reads_as_an_age(text, value):
            continue
        reader = VALUE_READERS.get(entity)
        if reader is None or reader(value) is not None:
            return value
    return None


# « oui » or « non » at a question whose answers are buttons (after « Voulez-vous commencer ? », say).
CHOOSE_BELOW = "Il me faut {} : choisissez parmi les réponses proposées ci-dessous."


def answers_yes_or_no(tracker: Tracker) -> bool:
    return latest_intent(tracker) in ("affirm", "deny")


# What starting a check afresh empties: its answers, a pending yes/no, and requested_slot (a stale one would make
# the next form read its opening message as an answer).
FRESH_START_SLOTS = FORM_SLOTS + ["awaiting", "requested_slot"]


# The actions that may end with the offer of a check (actions/offers.py), which a « oui » then opens, and the
# values of `awaiting` that they set. action_reset_forms offers a check through the clarification when a structure
# asks to start one without the NLU being sure (actions/leads.py).
OFFERING_ACTIONS = {"action_offer_checks", "action_answer_faq", "action_greet", "action_clarify", "action_reset_forms"}
OFFERS = {"offer_prescreen", "offer_employer_check"}


def opening_message(tracker: Tracker) -> dict | None:
    """When a form opens: the message whose answers it may reuse. That is the opening message itself
    ("je veux vérifier, j'ai 45 ans"), or, when the person said yes to an offer or answered it with a detail of the
    check, the messages that got it (`offered_message`). None once the form has asked a question."""
    if tracker.get_slot("requested_slot") is not None:
        return None
    intent = latest_intent(tracker)
    if intent in OPENING_INTENTS:
        return tracker.latest_message
    if started_by_an_offer(tracker):
        return offered_message(tracker, with_latest=True)
    if intent != "affirm" or not offered_just_before(tracker):
        return None
    return offered_message(tracker)


def started_by_an_offer(tracker: Tracker) -> bool:
    """Whether action_offer_checks started the form in this turn (the offer answered with a detail of the
    check, « entreprise privée »: actions/offers.py)."""
    users = user_positions(tracker)
    return bool(users) and any(event.get("event") == "action" and event.get("name") == "action_offer_checks"
                               for event in tracker.events[users[-1]:])


def offered_message(tracker: Tracker, with_latest: bool = False) -> dict:
    """The message that got the offer a « oui » answers, merged with the earlier ones that got the same offer in
    a row (and with the latest message, when it answered the offer with a detail): « nous sommes un ehpad »
    (offer), « entreprise privée » (the offer again), « oui » reuses both, the later message winning where both
    say the same thing."""
    users = user_positions(tracker)
    messages, offer = ([tracker.latest_message] if with_latest else []), None
    for start, end in reversed(list(zip(users[:-1], users[1:], strict=True))):
        offered = [event.get("value") for event in tracker.events[start:end]
                   if event.get("event") == "slot" and event.get("name") == "awaiting"]
        if not offered or offered[-1] not in OFFERS or offer not in (None, offered[-1]):
            break
        offer = offered[-1]
        messages.append(tracker.events[start].get("parse_data") or {})
    if not messages:
        return previous_message(tracker)
    if len(messages) == 1:
        return messages[0]
    return joined_messages(messages)


MESSAGE_JOINT = " ; "


def joined_messages(messages: list[dict]) -> dict:
    """Messages (latest first) as one, in the order written; each entity keeps its place in the joined text, so
    that « un EHPAD privé » after « je suis employeur » still names its sector (sector_in_employer_description)."""
    starts, position = {}, 0
    for message in reversed(messages):
        starts[id(message)] = position
        position += len(message.get("text") or "") + len(MESSAGE_JOINT)
    entities = []
    for message in messages:  # the latest message's entities first: its answers win
        for entity in message.get("entities") or []:
            if isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int):
                shift = starts[id(message)]
                entity = {**entity, "start": entity["start"] + shift, "end": entity["end"] + shift}
            entities.append(entity)
    return {"text": MESSAGE_JOINT.join(m.get("text") or "" for m in reversed(messages)), "entities": entities}


# « un alternant de 30 ans », « à 26 ans », « j'ai 40 ans »: an age the NLU does not always tag (« travaillé 10
# ans » is no age: only these few words before the number).
YEARS_OF_AGE = re.compile(r"\b(?:de|a|ai|agee?s?)\s+(\d{1,3})\s*ans\b")


def stated_age(tracker: Tracker) -> int | None:
    """The age said in the latest message ("et à 19 ans ?"), not a length of time ("depuis 10 ans"); when the NLU
    tagged no age, a number of years in the text that reads as one (« paye d'un alternant de 30 ans ? »)."""
    message = tracker.latest_message
    said = stated_value(message, "age")
    if said is None and not entity_value_in(message, "age"):
        text = message.get("text") or ""
        found = YEARS_OF_AGE.search(fold_words(text))
        said = found.group(1) if found and reads_as_an_age(text, found.group(1)) else None
    return plausible_age(said)


def age_for_salary(tracker: Tracker) -> int | None:
    """The age the salary is asked for: said in the question, else the one given to the pre-screen."""
    said = stated_age(tracker)
    return said if said is not None else plausible_age(tracker.get_slot("age"))


# Answers that depend on an age, so that « et à 27 ans ? » right after them asks the same at that age.
AGE_DEPENDENT_TOPICS = (SALARY_TOPIC, HIRING_AIDS_TOPIC)


def age_topic_asked_just_before(tracker: Tracker) -> str | None:
    """The salary or hiring aids topic when the previous message asked it, or gave another age right after it
    ("quel salaire ?", "et à 23 ans ?", then "et à 30 ans ?"); None otherwise."""
    for position in reversed(user_positions(tracker)[:-1]):
        message = tracker.events[position]
        intent = ((message.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        if intent.startswith(FAQ_PREFIX) and intent[len(FAQ_PREFIX):] in AGE_DEPENDENT_TOPICS:
            return intent[len(FAQ_PREFIX):]
        if not is_a_bare_age_follow_up(message.get("text") or ""):
            return None
    return None


def age_follow_up(tracker: Tracker, any_wording: bool = False) -> tuple[str, int] | None:
    """The topic and age of a bare follow-up to the salary or hiring aids answer ("et à 27 ans ?"), whatever
    topic the NLU read in it (often who may sign, because of the age): the person asks the same at that age. With
    `any_wording`, an age said in a longer message after the salary counts too ("j'ai 23 ans, au RSA", read as an
    answer about oneself)."""
    text = tracker.latest_message.get("text") or ""
    bare = is_a_bare_age_follow_up(text)
    topic_id = age_topic_asked_just_before(tracker) if bare or any_wording else None
    if topic_id is None or not bare and topic_id != SALARY_TOPIC:
        return None
    said = stated_age(tracker)
    if said is not None or not bare:
        return None if said is None else (topic_id, said)
    # « et à 30 ? » carries no age entity: its number is the age, unless too small to be one (« 2 » is more likely
    # the second button).
    number = plausible_age(text)
    return (topic_id, number) if number is not None and (number >= 14 or says_it_is_an_age(text)) else None


def answered_with_age_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, any_wording: bool = False) -> bool:
    """Give the salary or the hiring aids at the age of a follow-up to their answer (`age_follow_up`); False when
    the message is not one."""
    follow_up = age_follow_up(tracker, any_wording)
    if follow_up is None:
        return False
    topic_id, age = follow_up
    kb = load_knowledge()
    dispatcher.utter_message(**(salary_message(kb, age, on=clock.today()) if topic_id == SALARY_TOPIC
                                else hiring_aids_message(kb, age)))
    return True


def user_positions(tracker: Tracker) -> list[int]:
    """Where the user's messages are in the conversation's events."""
    return [i for i, event in enumerate(tracker.events) if event.get("event") == "user"]


def form_interrupted_just_before(tracker: Tracker) -> str | None:
    """The form that the previous turn closed to ask something else (« supprimer mes données » during a check:
    the deletion question is asked outside the form), so that a « non » can take the check up again."""
    users = user_positions(tracker)
    if len(users) < 2 or not any(event.get("event") == "action" and event.get("name") == "action_deactivate_loop"
                                 for event in tracker.events[users[-2]:users[-1]]):
        return None
    loops = [event.get("name") for event in tracker.events[:users[-2]] if event.get("event") == "active_loop"]
    return loops[-1] if loops else None


def previous_message(tracker: Tracker) -> dict:
    """The NLU's reading of the user's message before the latest one ({} when there is none)."""
    users = user_positions(tracker)
    return tracker.events[users[-2]].get("parse_data") or {} if len(users) >= 2 else {}


def asked_just_before(tracker: Tracker, actions: set[str]) -> bool:
    """Whether one of `actions` ran between the previous user message and the latest one: a "oui" then answers
    what that action asked, not a question asked earlier in the conversation."""
    users = user_positions(tracker)
    if len(users) < 2:
        return False
    return any(event.get("event") == "action" and event.get("name") in actions
               for event in tracker.events[users[-2]:users[-1]])


def offered_just_before(tracker: Tracker) -> bool:
    """Whether the latest message answers the offer of a check: an offering action ran just before it, or any
    action made that offer then (« merci ! et combien je serai payé ? » gets the answer and the offer from
    action_thanks, whose own « Avez-vous une autre question ? » offers nothing)."""
    users = user_positions(tracker)
    return asked_just_before(tracker, OFFERING_ACTIONS) or len(users) >= 2 and any(
        event.get("event") == "slot" and event.get("name") == "awaiting" and event.get("value") in OFFERS
        for event in tracker.events[users[-2]:users[-1]])


def value_before_message(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest message: rasa-sdk has already put the extracted value in
    `tracker.slots` when it calls a validate_<slot> method."""
    users = user_positions(tracker)
    for event in reversed(tracker.events[:users[-1]] if users else tracker.events):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


DONT_KNOW_WORDS = ("je sais pas", "je ne sais pas", "aucune idee", "je sais pas encore", "je ne sais pas encore")


def is_dont_know(tracker: Tracker, text: str) -> bool:
    return latest_intent(tracker) == "dont_know" or fold(text.strip(" .!?")) in DONT_KNOW_WORDS


def intent_confidence(tracker: Tracker) -> float:
    """How sure the NLU is of the latest intent (a button's payload: 1.0)."""
    confidence = (tracker.latest_message.get("intent") or {}).get("confidence")
    return 1.0 if confidence is None else float(confidence)


def unsure_leaving(tracker: Tracker) -> bool:
    """Whether the latest message was read, without much confidence, as a wish to leave (a form, or a yes/no
    question: action_stop)."""
    return latest_intent(tracker) in LEAVING_INTENTS and intent_confidence(tracker) < SURE_ENOUGH_TO_LEAVE


STARTING_INTENTS = {"start_prescreen", "employer_check"}


def unsure_start(tracker: Tracker) -> bool:
    """Whether a question outside any check was read, without much confidence, as the wish to start one
    (« est-ce qu'on peut être à temps partiel » as start_prescreen at 0.29). Inside a check, such a reading is an
    answer (`unsure_leaving`) and the rules that switch checks are not reached."""
    return latest_intent(tracker) in STARTING_INTENTS and intent_confidence(tracker) < SURE_ENOUGH_TO_LEAVE \
        and asks_something(tracker.latest_message.get("text") or "") and not tracker.active_loop_name


def corrects_age(tracker: Tracker) -> bool:
    """Whether the latest message changes the age given earlier while another question is asked ("en fait j'ai
    40 ans"). A bare number answers that question ("75" for the department): only a message that says it is an
    age corrects it."""
    said, current = stated_value(tracker.latest_message, "age"), tracker.get_slot("age")
    if tracker.get_slot("requested_slot") == "age" or not said or current is None \
            or not says_it_is_an_age(tracker.latest_message.get("text") or ""):
        return False
    if age_follow_up(tracker) is not None:
        return False  # « et à 22 ans ? » after the salary answer asks the pay at another age, not a correction
    age = int(said) if said.isdigit() else parse_age(said)
    return age is not None and age != current


POSTAL_CODE = re.compile(r"\d{5}")
NUMBER_CONNECTORS = re.compile(r"\b(?:ou|et|a|environ|entre)\b")


def is_digression(tracker: Tracker) -> bool:
    intent = latest_intent(tracker)
    if unsure_leaving(tracker):
        return False
    if age_follow_up(tracker) is not None:
        return True  # the pay (or the aids) at another age, whatever the NLU read in « et à 22 ans ? »
    if intent.startswith(FAQ_PREFIX) and not re.search(r"[a-z]", NUMBER_CONNECTORS.sub(
            "", fold(tracker.latest_message.get("text") or ""))):
        return False  # no word, no question: « 3 » or « 3 ou 4 » read as the duration question is a (wrong) answer
    if intent in UNSURE_MEANS_AN_ANSWER and intent_confidence(tracker) < SURE_ENOUGH_TO_LEAVE:
        return False  # « autre » read as an insult at 0.39, « beaucoup » as thanks at 0.31: answers, misread
    if intent == "out_of_scope" and looks_like_a_contact(tracker.latest_message.get("text") or ""):
        # « 0612345678 » at the job question got « je ne peux pas vous aider sur ce sujet »: a (wrong) answer, which
        # the question's validation explains (a number or an address is never kept as the job).
        return False
    return intent in NOT_ANSWERS or intent.startswith(FAQ_PREFIX)


def resolve_target(text: str) -> tuple[str | None, list]:
    """A certification code when the answer designates one clearly, else the ranked candidates."""
    kb = load_knowledge()
    if text in kb.certifications:
        return text, []
    matches = kb.find_certifications(text)
    if not matches:
        return None, []
    best = matches[0]
    clear = best.score >= CLEAR_MATCH and (len(matches) == 1 or matches[1].score < best.score - 0.05)
    return (best.certification.code if clear else None), matches


def keep_button(text: str) -> dict[str, str]:
    """The button that keeps a job or diploma as said, outside the catalogue."""
    return {"title": button_title(f"Garder « {text} »", 40), "payload": inform("certification", OUTSIDE_CATALOGUE + text)}


# « pourquoi vous demandez ça ? », « c'est obligatoire de donner mon âge ? » at a check's question (read as help,
# personal data, the public or not at all): why that question is asked, then the question again.
WHY_ASKED = re.compile(
    r"^(?:mais |et |euh |ok |d accord )?(?:"
    r"pourquoi (?:ca|cela|cette question|(?:mon|ma|mes) \w+)$"
    r"|pourquoi (?:vous |tu )?(?:me )?(?:demand\w*|voul\w*|veu\w*|avez besoin|as besoin|faut il)\b"
    r"|(?:a quoi (?:ca|cela) (?:vous )?sert|pour quoi faire)$"
    r"|(?:c|est ce que c) est obligatoire(?: de (?:repondre|donner|dire|indiquer)\b.*)?$|est ce obligatoire$"
    r"|je (?:suis obligee?|dois) (?:de )?(?:vous )?(?:le |la |les )?(?:repondre|donner|dire|indiquer)\b"
    r"|vous (?:en )?avez (?:vraiment )?besoin\b)")
WHY_ABOUT_THE_SCHEME = re.compile(r"\b(?:inversee|vae|dispositif|contrat|experimentation|parcours|formation)\b")
CONSENT_LATER = "Rien n'est enregistré ni transmis sans votre accord, que je vous demanderai à la fin."
WHY_EACH_QUESTION = {
    "age": "Votre âge sert à vérifier la condition d'âge (16 ans et plus) et à calculer votre salaire minimum ; "
           "seule votre tranche d'âge serait transmise.",
    "situation": "Aucune situation n'est exigée, mais elle change le parcours : en CDI, par exemple, il passe par un "
                 "avenant à votre contrat.",
    "cdi_amendment": "En CDI, le contrat de professionnalisation passe par un avenant à votre contrat : votre employeur "
                     "doit être d'accord.",
    "target": "Le métier ou le diplôme visé permet de vérifier que la certification peut être préparée ainsi, et de "
              "trouver un porteur de projet qui la propose.",
    "department": "Le département permet de trouver un porteur de projet qui couvre votre territoire.",
    "contact_preference": "Le porteur de projet en a besoin pour vous recontacter.",
    "contact_value": "Le porteur de projet en a besoin pour vous recontacter.",
    "first_name": "Le prénom permet au porteur de projet de s'adresser à vous ; vous pouvez aussi écrire « passer ».",
    "employer_kind": "Seuls les employeurs de droit privé peuvent conclure ces contrats : le type de structure permet "
                     "de le vérifier.",
    "sector": "Le dispositif vise les secteurs qui ont du mal à recruter : le secteur permet de le vérifier et de "
              "trouver un porteur de projet.",
    "hires": "Le nombre de recrutements aide le porteur de projet à préparer les parcours.",
}


NO_VERIFIED_DEFINITION = ("Je n'ai pas de définition vérifiée de ce mot à vous donner : le porteur de projet ou votre "
                          "conseiller pourra vous l'expliquer. Je vous repose la question.")


def answered_why_asked(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Why the question a check has just asked is asked, when the message asks only that; False otherwise."""
    asked = tracker.get_slot("requested_slot")
    folded = fold_words(tracker.latest_message.get("text")).strip(" ?!.")
    if not tracker.active_loop_name or asked not in WHY_EACH_QUESTION or len(folded) > 80 \
            or not WHY_ASKED.search(folded) or WHY_ABOUT_THE_SCHEME.search(folded):
        return False
    dispatcher.utter_message(text=f"{WHY_EACH_QUESTION[asked]} {CONSENT_LATER}")
    return True


class SharedQuestions:
    """What both forms share (a mixin, so rasa-sdk does not register it as an action of its own)."""

    sector_asked_before_target = False
    asks_hires = False

    async def get_validation_events(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        """Validate answers only. When a form starts, Rasa hands every slot set since the user's message to the
        validation, the slots that action_reset_forms has just emptied included: validated, each empty slot
        got its error message ("Je ne reconnais pas ce département"…) before the first question was asked."""
        asked = tracker.get_slot("requested_slot")
        if asked and answered_with_definition(dispatcher, load_knowledge(), tracker.latest_message.get("text"),
                                              bare=False):
            # « ça veut dire quoi CDD ? » at the contract question names a contract, yet answers nothing: the
            # definition, then the same question again (« CDD ? » alone may be an answer: no definition). The
            # question counts as answered with nothing, as a refused answer does; with no event, Rasa would reject
            # the form's turn and run the validation once more.
            return [SlotSet(asked, None)]
        if asked and tracker.slots_to_validate().get(asked) is not None \
                and load_knowledge().asks_a_meaning(tracker.latest_message.get("text") or ""):
            # « c'est quoi le RSA ? » at the situation question was taken as the answer « demandeur d'emploi »: a
            # word whose meaning is asked answers nothing, even where the glossary cannot define it.
            dispatcher.utter_message(text=NO_VERIFIED_DEFINITION)
            return [SlotSet(asked, None)]
        if asked and not is_digression(tracker) and answered_why_asked(dispatcher, tracker):
            return [SlotSet(asked, None)]  # the same question again (a digression was answered by its action)
        emptied = {name for name, value in tracker.slots_to_validate().items() if value is None}
        if emptied:
            tracker.events = without_trailing_slots(tracker.events, emptied)
        events = await super().get_validation_events(dispatcher, tracker, domain)
        # rasa-sdk keeps only the form's own questions: a sector said when the pre-screen opens (extract_target)
        # is kept too, for the job question's choices.
        sector = tracker.slots_to_validate().get("sector")
        if sector and not any(e.get("event") == "slot" and e.get("name") == "sector" for e in events):
            events.append(SlotSet("sector", sector))
        refused = any(e.get("event") == "slot" and e.get("name") == asked and e.get("value") is None for e in events)
        if refused and unsure_leaving(tracker):
            dispatcher.utter_message(text=LEAVE_HINT)  # the person may have wanted to leave: say how
        if opening_message(tracker) is not None:
            # Say what was taken from the opening message: a misread value must not pass unseen.
            values = {e["name"]: e["value"] for e in events if e.get("event") == "slot" and e.get("value") is not None}
            taken = [describe(slot, values[slot]) for slot in dict.fromkeys([*self.domain_slots(domain), "sector"])
                     if slot in values]
            if taken:
                dispatcher.utter_message(text=f"Je reprends ce que vous m'avez indiqué : {', '.join(taken)}. "
                                              "Si c'est inexact, écrivez « recommencer ».")
        return events

    def said_when_opening(self, slot: str, entity: str, tracker: Tracker, parses) -> dict[str, Any]:
        """What the message that opens the form already says ("je veux vérifier, j'ai 45 ans"), when it reads
        clearly: `parses(value)` gives the slot's value or None."""
        message = opening_message(tracker)
        value = readable_value(message, entity) if message else None
        parsed = parses(value) if value else None
        return {} if parsed is None else {slot: parsed}

    def answer_for(self, slot: str, tracker: Tracker, parses) -> dict[str, Any]:
        """The latest message as the answer to `slot` when that slot is the one asked."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        text = tracker.latest_message.get("text") or ""
        # A question or a correction of the age ("en fait j'ai 40 ans") answers this one only if it reads as such.
        if (is_digression(tracker) or corrects_age(tracker)) and parses(text, tracker) is None:
            return {}
        return {slot: text}

    # -- target (certification or job) -----------------------------------------------------------
    def extract_target(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        return self.said_when_opening("target", "certification", tracker, lambda value: resolve_target(value)[0]) \
            or self.answer_for("target", tracker, lambda text, t: entity_value(t, "certification")
                               or entity_value(t, "sector") or resolve_target(text)[0])

    def validate_target(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> dict:
        kb = load_knowledge()
        for code in (entity_value(tracker, "certification"), value):
            if code in kb.certifications:
                return {"target": code}
            if isinstance(code, str) and code.lower().startswith(OUTSIDE_CATALOGUE) \
                    and code[len(OUTSIDE_CATALOGUE):].strip():
                return {"target": code[len(OUTSIDE_CATALOGUE):].strip()[:KEPT_TARGET_CHARS]}
        # The button's title typed instead of tapped (« Garder « cariste » »; the console shows it too).
        typed_keep = KEEP_TYPED.match(str(value or "").strip())
        if typed_keep and any(ch.isalpha() for ch in typed_keep.group(1)) \
                and not looks_like_a_contact(typed_keep.group(1)):
            return {"target": typed_keep.group(1)[:KEPT_TARGET_CHARS]}
        sector = entity_value(tracker, "sector")
        if sector is None and self.sector_asked_before_target and is_dont_know(tracker, str(value or "")):
            sector = tracker.get_slot("sector")  # its certifications at once, rather than the list of sectors
        certifications = sector_certification_buttons(sector)
        if certifications:
            dispatcher.utter_message(
                text=f"Voici les certifications de mon catalogue pour le secteur « {kb.sectors[sector].label} » :",
                buttons=certifications,
            )
            return {"target": None, "sector": sector}
        text = str(value or "").strip()
        # « passer » (as at the first name's question) read as a job, « pâtisserie »: the list of sectors instead.
        if is_dont_know(tracker, text) or fold(text) in ("passer", "skip"):
            dispatcher.utter_message(
                text="Pas de souci. Dans quel secteur aimeriez-vous travailler ?",
                buttons=[{"title": s.label, "payload": inform("sector", s.id)}
                         for s in kb.sectors.values() if s.id != "autre"][:12],
            )
            return {"target": None}
        if not text:
            dispatcher.utter_message(text="Je n'ai pas reçu de réponse. Quel métier ou quel diplôme visez-vous ? "
                                          "Par exemple : aide-soignant, cuisinier, maçon.")
            return {"target": None}
        # A title typed whole (« Titre professionnel Assistant de vie aux familles (ADVF) ») is that certification,
        # whatever part of it the NLU tagged (« Titre professionnel »).
        code, _ = resolve_target(text.rstrip(" ?!.") or text)
        if code:
            return {"target": code}
        # "je voudrais être cariste": "cariste"; "boulanger ?": "boulanger"
        wanted = (entity_value(tracker, "certification") or text).rstrip(" ?!.") or text
        code, matches = resolve_target(wanted)
        if code:
            return {"target": code}
        chosen_sector = tracker.get_slot("sector")
        if chosen_sector in kb.sectors and chosen_sector != "autre":
            # Near titles of another sector than the one chosen are no help (« agent de propreté » is not the CAP
            # petite enfance): the job said can still be kept.
            matches = [m for m in matches if m.certification.sector == chosen_sector]
        # "Lyon" at the job question: a place, not a job to keep.
        place_said = {} if matches else self.place_said_instead(dispatcher, text, "le métier ou le diplôme visé")
        if place_said:
            return {"target": None, **place_said}
        hires = hires_in(text) if self.asks_hires else None
        if hires and 1 <= hires <= MAX_HIRES and not matches:
            # "2 personnes" at the job question: the number of hires, which is then not asked again.
            dispatcher.utter_message(text=f"C'est noté : {describe('hires', hires)}. Il me faut encore le métier ou "
                                          "le diplôme visé.")
            return {"target": None, "hires": hires}
        # A name of a job can be kept; a sentence, a question, a button payload or a number ("2", a phone number)
        # cannot.
        asks = asks_something(text)
        # An e-mail address or a phone number typed here would reach the sponsor as the job: never kept.
        contact = looks_like_a_contact(text)
        keepable = len(wanted) <= KEPT_TARGET_CHARS and not text.startswith("/") \
            and sum(ch.isalpha() for ch in wanted) >= 2 and not asks and not contact
        if matches:
            # "agent de sécurité" only resembles a title of the catalogue: the person may keep what they said.
            dispatcher.utter_message(
                text="Voici les certifications les plus proches dans mon catalogue. Laquelle visez-vous ?",
                buttons=[{"title": button_title(m.certification.title), "payload": inform("certification", m.certification.code)}
                         for m in matches[:4]] + ([keep_button(wanted)] if keepable else []),
            )
            return {"target": None}
        examples = "(par exemple « aide-soignant », « cuisinier », « maçon »)"
        if latest_intent(tracker) in ("affirm", "deny") or text.startswith("/") \
                or re.sub(r"[\s'-]+", " ", fold(text)).strip(" .!") in OTHER_SECTOR_ANSWERS:
            # "oui" / "non", « autre » (after the list of certifications), or a button from an older catalogue:
            # nothing to search for.
            said = f"Indiquez le nom du métier ou du diplôme visé {examples}, ou « je ne sais pas »."
        elif asks:
            # A question the NLU did not understand (« pourquoi vous voulez mon prénom ? »): not a job to search for.
            said = (f"Je n'ai pas compris votre question, pardonnez-moi. Pour continuer, indiquez seulement le métier "
                    f"ou le diplôme visé {examples}, ou « je ne sais pas ». {LEAVE_HINT}")
        elif contact:
            said = ("Cela ressemble à une adresse e-mail ou à un numéro de téléphone : je ne le garde pas ici. Il me "
                    f"faut le nom du métier ou du diplôme visé {examples}, ou « je ne sais pas ».")
        elif not keepable:
            said = (f"Je ne trouve pas ce métier dans mon catalogue. Indiquez seulement le nom du métier ou du "
                    f"diplôme {examples}, ou répondez « je ne sais pas » pour choisir un secteur.")
        else:
            said = (f"Je ne trouve pas « {wanted} » dans mon catalogue. Essayez un autre nom de métier ou de "
                    f"diplôme {examples}, répondez « je ne sais pas » pour choisir un secteur, ou gardez "
                    f"« {wanted} » : le porteur de projet vérifiera la certification correspondante.")
            dispatcher.utter_message(text=said, buttons=[keep_button(wanted)])
            return {"target": None}
        dispatcher.utter_message(text=said)
        return {"target": None}

    def job_or_place_said_instead(self, dispatcher, text: str, still_needed: str) -> dict[str, Any]:
        """« cuisinier » or « Nantes » typed at another question: kept for its own question, which is then not
        asked, and the person is told what is still needed."""
        code, _ = resolve_target(text.rstrip(" ?!.")) if any(ch.isalpha() for ch in text) else (None, [])
        if code:
            dispatcher.utter_message(text=f"C'est noté pour le métier visé : {describe('target', code)}. Il me faut "
                                          f"encore {still_needed}.")
            return {"target": code}
        return self.place_said_instead(dispatcher, text, still_needed)

    def place_said_instead(self, dispatcher, text: str, still_needed: str) -> dict[str, Any]:
        """« Nantes » or « 75011 » typed at another question: kept for the department question, which is then not
        asked. (A bare « 75 » may be another answer: a number of hires, an age.)"""
        named = any(ch.isalpha() for ch in text) or POSTAL_CODE.fullmatch(text.strip())
        place = load_knowledge().resolve_department(_strip_prefix(text)) if named else None
        if not place:
            return {}
        dispatcher.utter_message(text=f"C'est noté pour le lieu : {describe('department', place)}. Il me faut "
                                      f"encore {still_needed}.")
        return {"department": place}

    # -- département -----------------------------------------------------------------------------
    def extract_department(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        kb = load_knowledge()
        return self.said_when_opening("department", "department", tracker, kb.resolve_department) \
            or department_number_in(opening_message(tracker)) \
            or self.answer_for("department", tracker, lambda text, t: kb.resolve_department(
            entity_value(t, "department") or text))

    def validate_department(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> dict:
        kb = load_knowledge()
        text = str(value or "").strip()
        for candidate in (entity_value(tracker, "department"), text, _strip_prefix(text)):
            code = kb.resolve_department(candidate) if candidate else None
            if code:
                return {"department": code}
        dispatcher.utter_message(
            text="Je ne reconnais pas ce département. Indiquez son numéro (par exemple 69), son nom (Rhône), "
                 "une grande ville (Lyon) ou un code postal (69003)."
        )
        return {"department": None}


def _strip_prefix(text: str) -> str:
    """"dans le 93", "j'habite à Lyon", "département du Nord" -> the place itself."""
    folded = fold(text)
    for prefix in ("j'habite a ", "j habite a ", "j'habite en ", "j'habite dans le ", "je suis a ", "je vis a ",
                   "dans le ", "dans l'", "dans la ", "en ", "a ", "departement du ", "departement de la ",
                   "departement de ", "departement ", "le ", "la "):
        if folded.startswith(prefix):
            return text[len(prefix):].strip()
    return text


def without_trailing_slots(events: list[dict], names: set[str]) -> list[dict]:
    """`events` without the slot events of `names` in the trailing run of slot events (rasa-sdk's candidates)."""
    start = len(events)
    while start > 0 and events[start - 1].get("event") == "slot":
        start -= 1
    return events[:start] + [e for e in events[start:] if e.get("name") not in names]


@apologise_on_error
class ValidatePrescreenForm(SharedQuestions, FormValidationAction):
    def name(self) -> str:
        return "validate_prescreen_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        age = tracker.get_slot("age")
        if isinstance(age, (int, float)) and age < load_knowledge().programme.min_age:
            return ["age"]  # no other answer can change the verdict: give it now
        slots = ["age", "situation"]
        if tracker.get_slot("situation") == "employee_cdi":
            slots.append("cdi_amendment")
        slots += ["target", "department", "contact_preference"]
        if tracker.get_slot("contact_preference") in ("phone", "email"):
            slots.append("contact_value")
        return slots + ["first_name"]

    # -- age -------------------------------------------------------------------------------------
    def extract_age(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "age" and tracker.get_slot("age") is not None:
            # A correction given while another question is asked: the last answer counts.
            return {"age": stated_value(tracker.latest_message, "age")} if corrects_age(tracker) else {}
        return self.said_when_opening("age", "age", tracker, plausible_age) \
            or self.answer_for("age", tracker, lambda text, t: parse_age(entity_value(t, "age") or text))

    def validate_age(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> dict:
        text = str(value or "").strip()
        said = entity_value(tracker, "age")
        age = None
        if said:
            age = int(said) if said.lstrip("-").isdigit() else words_to_number(said)
        if age is None and looks_like_a_contact(text):  # not echoed back as « 612345678 » ne peut pas être un âge
            dispatcher.utter_message(text="Cela ressemble à un numéro de téléphone ou à une adresse e-mail : il me "
                                          "faut seulement votre âge, en chiffres (par exemple : 34).")
            return {"age": None}
        if age is None:
            age = parse_age(text)
        if age is None:
            dispatcher.utter_message(text="Je n'ai pas compris votre âge. Indiquez-le en chiffres, par exemple : 34.")
            return {"age": None}
        if age < 0 or age > 120:
            dispatcher.utter_message(text=f"« {age} » ne peut pas être un âge. Indiquez un âge entre 0 et 120 ans, "
                                          "en chiffres.")
            return {"age": None}
        previous = value_before_message(tracker, "age")
        if previous is not None and previous != age and tracker.get_slot("requested_slot") != "age":
            dispatcher.utter_message(text=f"C'est noté, je retiens votre dernière réponse : {age} ans "
                                          f"(au lieu de {previous} ans).")
        if age_topic_asked_just_before(tracker) == SALARY_TOPIC:  # its answer offered to compute the amount
            dispatcher.utter_message(**salary_message(load_knowledge(), age, on=clock.today()))
        return {"age": age}

    # -- target ----------------------------------------------------------------------------------
    def extract_target(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        # « je cherche dans l'aide à domicile » when the check opens: no job yet, but the job question then offers
        # that sector's certifications (actions/questions.py), as the employer check does after its sector question.
        return super().extract_target(dispatcher, tracker, domain) \
            or self.said_when_opening("sector", "sector", tracker, _sector_of)

    def validate_target(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> dict:
        result = super().validate_target(value, dispatcher, tracker, domain)
        # That sector was a hint for the choices: the certification chosen decides the sector of the parcours.
        certification = load_knowledge().certifications.get(result.get("target") or "")
        if certification and tracker.get_slot("sector") not in (None, certification.sector):
            result["sector"] = certification.sector
        return result

    # -- situation -------------------------------------------------------------------------------
    def extract_situation(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        return self.said_when_opening("situation", "situation", tracker, _situation_of) \
            or self.answer_for("situation", tracker,
                               lambda text, t: entity_value(t, "situation") or parse_situation(text))

    def validate_situation(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> dict:
        situation = _situation_of(entity_value(tracker, "situation") or "") or _situation_of(str(value or ""))
        if situation is None and is_dont_know(tracker, str(value or "")):
            dispatcher.utter_message(text="Pas de souci : aucune situation particulière n'est exigée. Choisissez celle "
                                          "qui vous correspond le mieux, ou « Autre situation ».")
            return {"situation": None}
        text = str(value or "").strip()
        if situation is None and says_employed(text):
            dispatcher.utter_message(text="Vous êtes salarié(e) : avec quel contrat ? En CDI, en CDD ou en intérim "
                                          "(le parcours n'est pas le même : en CDI, il passe par un avenant).")
            return {"situation": None}
        taken = self.job_or_place_said_instead(dispatcher, text, "votre situation") if situation is None else {}
        if taken:
            return {"situation": None, **taken}
        if situation is None:
            # « 45 » typed again here: the age is not the question any more. The question follows, with its buttons.
            said = "Il me faut maintenant votre situation." if text.isdigit() else "Je n'ai pas compris votre situation."
            dispatcher.utter_message(text=said if not answers_yes_or_no(tracker) else CHOOSE_BELOW.format("votre situation"))
            return {"situation": None}
        return {"situation": situation}

    # -- CDI avenant (only asked to people in CDI) ----------------------------------------------------
    def extract_cdi_amendment(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "cdi_amendment":
            return {}
        intent = latest_intent(tracker)
        if intent in ("affirm", "deny", "dont_know"):
            return {"cdi_amendment": intent}
        return self.answer_for("cdi_amendment", tracker, lambda text, t: parse_yes_no(text))

    def validate_cdi_amendment(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> dict:
        if value == "dont_know":
            return {"cdi_amendment": "unknown"}
        answer = {"affirm": True, "deny": False}.get(value)
        if answer is None:
            answer = parse_yes_no(str(value or ""))
        if answer is None:
            dispatcher.utter_message(text="Répondez simplement par oui ou par non, ou « je ne sais pas ».")
            return {"cdi_amendment": None}
        return {"cdi_amendment": answer}

    # -- contact -------------------------------------------------------------------------------------
    def extract_contact_preference(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        # « 06 12 34 56 78 », often read as out of scope, answers the question too (validate_contact_preference)
        return self.answer_for("contact_preference", tracker,
                               lambda text, t: _contact_choice(text) or parse_contact(text)
                               or looks_like_a_contact(text) or None)

    def validate_contact_preference(self, value: Any, dispatcher, tracker: Tracker, domain) -> dict:
        text = str(value or "")
        given = parse_contact(text)
        if given:  # the person gave the number or address straight away
            return {"contact_preference": given[0], "contact_value": given[1]}
        choice = _contact_choice(text)
        if choice is None:
            # The question follows, with its buttons.
            dispatcher.utter_message(text="Je n'ai pas compris votre choix : répondez « ici », « téléphone » ou "
                                          "« e-mail », ou choisissez un bouton.")
            return {"contact_preference": None}
        return {"contact_preference": choice}

    def extract_contact_value(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        # « sofia@ »: an address mistyped gets how to write it (validate_contact_value), not « hors sujet »
        return self.answer_for("contact_value", tracker,
                               lambda text, t: parse_contact(text) or looks_like_a_contact(text) or None)

    def validate_contact_value(self, value: Any, dispatcher, tracker: Tracker, domain) -> dict:
        given = parse_contact(str(value or ""))
        wanted = tracker.get_slot("contact_preference")
        if given and given[0] == wanted:
            return {"contact_value": given[1]}
        if wanted == "phone":
            dispatcher.utter_message(text="Je n'ai pas reconnu un numéro de téléphone. Écrivez-le par exemple ainsi : "
                                          "06 12 34 56 78.")
        else:
            dispatcher.utter_message(text="Je n'ai pas reconnu une adresse e-mail. Écrivez-la par exemple ainsi : "
                                          "prenom.nom@exemple.fr.")
        return {"contact_value": None}

    def extract_first_name(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        return self.answer_for("first_name", tracker, lambda text, t: parse_first_name(text))

    def validate_first_name(self, value: Any, dispatcher, tracker: Tracker, domain) -> dict:
        text = " ".join(str(value or "").split())
        if fold(text) in SKIP_WORDS or latest_intent(tracker) in ("deny", "dont_know"):
            return {"first_name": "-"}
        name = parse_first_name(text)
        if name is None:
            dispatcher.utter_message(text="Indiquez seulement votre prénom (par exemple : Sarah), ou écrivez « passer ».")
            return {"first_name": None}
        return {"first_name": upper_first(name)}


@apologise_on_error
class ValidateEmployerForm(SharedQuestions, FormValidationAction):
    sector_asked_before_target = True
    asks_hires = True

    def name(self) -> str:
        return "validate_employer_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        kind = tracker.get_slot("employer_kind")
        if kind in EMPLOYER_KIND_LABELS:  # rasa-sdk also calls this before validation, with the raw answer
            checks = load_knowledge().check_employer(kind, on=clock.today()).checks
            if any(c.rule == "employer_kind" and c.status == "fail" for c in checks):
                return ["employer_kind"]  # a public employer cannot use the contract: the verdict comes now
        return domain_slots

    def extract_employer_kind(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        return self.said_when_opening("employer_kind", "employer_kind", tracker, _employer_kind_of) \
            or employer_kind_in_description(opening_message(tracker)) \
            or self.answer_for("employer_kind", tracker, lambda text, t: entity_value(t, "employer_kind"))

    def validate_employer_kind(self, value: Any, dispatcher, tracker: Tracker, domain) -> dict:
        kind = _employer_kind_of(entity_value(tracker, "employer_kind") or "") or _employer_kind_of(str(value or ""))
        if kind is None:
            said = CHOOSE_BELOW.format("le type de structure") if answers_yes_or_no(tracker) \
                else "Je n'ai pas reconnu le type de structure."
            dispatcher.utter_message(text=said)  # the question follows
            return {"employer_kind": None}
        return {"employer_kind": kind}

    def extract_sector(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        return self.said_when_opening("sector", "sector", tracker, _sector_of) \
            or sector_in_employer_description(opening_message(tracker)) \
            or self.sector_with_the_kind(tracker) \
            or self.answer_for("sector", tracker, lambda text, t: entity_value(t, "sector") or _sector_of(text))

    @staticmethod
    def sector_with_the_kind(tracker: Tracker) -> dict[str, Any]:
        """« on est une association d'aide à domicile » at the question on the kind of structure names the
        sector too, which is then not asked."""
        if tracker.get_slot("requested_slot") != "employer_kind":
            return {}
        sector = _sector_of(entity_value(tracker, "sector") or "") \
            or _sector_of(tracker.latest_message.get("text") or "")
        return {"sector": sector} if sector not in (None, "autre") else {}

    def validate_sector(self, value: Any, dispatcher, tracker: Tracker, domain) -> dict:
        sector = _sector_of(entity_value(tracker, "sector") or "") or _sector_of(str(value or ""))
        if sector is None and tracker.get_slot("requested_slot") == "sector":
            # « aide-soignant » at the sector question: a job of the catalogue gives its sector, and the job
            # question is then not asked.
            code = entity_value(tracker, "certification") or resolve_target(str(value or ""))[0]
            certification = load_knowledge().certifications.get(code or "")
            if certification is not None:
                dispatcher.utter_message(text=f"C'est noté : {certification.title}, "
                                              f"{describe('sector', certification.sector)}.")
                return {"sector": certification.sector, "target": certification.code}
        if sector is None and is_dont_know(tracker, str(value or "")):
            dispatcher.utter_message(text="Pas de souci : choisissez le secteur le plus proche de votre activité, ou "
                                          "« Autre secteur » s'il n'est pas dans la liste.")  # the question follows
            return {"sector": None}
        if sector is None:
            said = CHOOSE_BELOW.format("le secteur") if answers_yes_or_no(tracker) else "Je n'ai pas reconnu ce secteur."
            dispatcher.utter_message(text=f"{said} S'il n'est pas dans la liste, répondez « autre ».")  # the question follows
            return {"sector": None}
        return {"sector": sector}

    def extract_hires(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        message = opening_message(tracker)  # "je voudrais recruter 3 personnes à Lille" (no entity for it)
        said = hires_in(message.get("text") or "") if message else None
        if said and 1 <= said <= MAX_HIRES:
            return {"hires": said}
        # « beaucoup » (read as thanks) answers this question too: it is told a figure is needed.
        return self.answer_for("hires", tracker,
                               lambda text, t: parse_hires(text) or (text if is_a_vague_quantity(text) else None))

    def validate_hires(self, value: Any, dispatcher, tracker: Tracker, domain) -> dict:
        count = parse_hires(str(value or ""))
        if count is None and is_a_vague_quantity(str(value or "")):
            dispatcher.utter_message(text="Un ordre de grandeur suffit : indiquez un nombre, par exemple 3.")
            return {"hires": None}
        if count is None or not 1 <= count <= MAX_HIRES:
            dispatcher.utter_message(text=f"Indiquez un nombre de recrutements entre 1 et {MAX_HIRES}, en chiffres.")
            return {"hires": None}
        return {"hires": count}


EMPLOYER_WORDS = {
    "association": ["association", "asso "],
    "epic": ["epic", "industriel et commercial"],
    "public": ["mairie", "commune", "hopital public", "chu", "collectivite", "conseil departemental",
               "conseil regional", "administration", "fonction publique", "ministere", "ccas", "public"],
    "private": ["entreprise", "societe", "sarl", "sas", "eurl", "geiq", "interim", "pme", "tpe", "privee", "prive",
                "boite", "commerce", "commercant", "restaurant", "ehpad prive", "clinique", "garage", "boulangerie",
                "magasin", "usine", "artisan", "startup", "start up", "supermarche"],
}


def describe(slot: str, value: Any) -> str:
    """An answer as the person would say it back: "45 ans", "Rhône (69)"."""
    kb = load_knowledge()
    if slot == "age":
        return f"{value} ans"
    if slot == "situation":
        return _lower_first(SITUATION_LABELS.get(value, str(value)))
    if slot == "target" and value in kb.certifications:
        return kb.certifications[value].title
    if slot == "department" and value in kb.departments:
        return f"{kb.departments[value].name} ({value})"
    if slot == "employer_kind":
        return _lower_first(EMPLOYER_KIND_LABELS.get(value, str(value)))
    if slot == "sector" and value in kb.sectors:
        return f"secteur « {kb.sectors[value].label} »"
    if slot == "cdi_amendment":
        return {True: "avenant au CDI : accord de l'employeur", False: "avenant au CDI : refus de l'employeur"}.get(
            value, "avenant au CDI : accord de l'employeur à obtenir")
    if slot == "hires":
        return f"{value} recrutement{'s' if int(value) > 1 else ''}"
    return str(value)


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def plausible_age(text: Any) -> int | None:
    age = parse_age(str(text)) if text is not None else None
    return age if age is not None and 0 <= age <= 120 else None


def sector_certification_buttons(sector: str | None, limit: int = 8) -> list[dict[str, str]]:
    """The catalogue's certifications of a sector, as buttons (none for « autre » or an unknown sector)."""
    kb = load_knowledge()
    return [{"title": button_title(c.title), "payload": inform("certification", c.code)}
            for c in kb.certifications.values() if sector in kb.sectors and c.sector == sector][:limit]


def _situation_of(text: str) -> str | None:
    return text if text in SITUATION_LABELS else parse_situation(text)


def _employer_kind_of(text: str) -> str | None:
    if text in EMPLOYER_KIND_LABELS:
        return text
    folded = fold(text)
    return next((kind for kind, words in EMPLOYER_WORDS.items() if any(w in folded for w in words)), None)


def _contact_choice(text: str) -> str | None:
    folded = fold(text)
    if any(w in folded for w in ("telephone", "tel", "appel", "portable", "phone")):
        return "phone"
    if any(w in folded for w in ("mail", "courriel")):
        return "email"
    if any(w in folded for w in ("message", "ici", "telegram", "chat", "conversation")):
        return "chat"
    return None


# Typed answers that choose the « Autre secteur » button (a garage, a bakery: sectors the list does not name).
OTHER_SECTOR_ANSWERS = {"autre", "autres", "un autre", "autre chose", "aucun", "aucun de ceux la", "aucun des deux",
                        "pas dans la liste", "ailleurs"}


def _sector_of(text: str) -> str | None:
    kb = load_knowledge()
    if text in kb.sectors:
        return text
    folded = fold(text)
    if re.sub(r"[\s'-]+", " ", folded).strip(" .!") in OTHER_SECTOR_ANSWERS:
        return "autre"
    for sector in kb.sectors.values():
        # Whole words, plural or feminine allowed: « soins » is not in « besoins », « sociale » is « social ».
        if any(re.search(rf"\b{re.escape(fold(word))}(?:es|e|s|x)?\b", folded)
               for word in [sector.label, *sector.words] if len(word) > 2):
            return sector.id
    return None


# How an entity's value reads as the answer to its question (None: it does not). Certifications are any job.
VALUE_READERS = {
    "age": plausible_age,
    "situation": _situation_of,
    "employer_kind": _employer_kind_of,
    "sector": _sector_of,
    "department": lambda text: load_knowledge().resolve_department(text),  # the knowledge is loaded when called
}


def employer_kind_in_description(message: dict | None) -> dict[str, Any]:
    """The kind of employer in words of a structure describing itself (« on est une crèche privée »), which the
    NLU does not always tag; nothing when the words name two kinds (« une entreprise qui reçoit du public »)."""
    text = (message or {}).get("text") or ""
    if not says_it_is_an_employer(text):
        return {}
    folded = fold_words(text)
    kinds = {kind for kind, words in EMPLOYER_WORDS.items()
             if any(re.search(rf"\b{re.escape(word.strip())}\b", folded) for word in words)}
    return {"employer_kind": kinds.pop()} if len(kinds) == 1 else {}


DEPARTMENT_NUMBER = re.compile(r"\b(?:dans le|departement|dept)\s+(\d{2,3}|2a|2b)\b(?!\s*ans?\b)")


def department_number_in(message: dict | None) -> dict[str, Any]:
    """« dans le 33 » in the message that opens a check, which the NLU tags as an age rather than a place."""
    found = DEPARTMENT_NUMBER.search(fold((message or {}).get("text") or ""))
    code = load_knowledge().resolve_department(found.group(1)) if found else None
    return {"department": code} if code else {}


# The few words that complete a kind of employer: « entreprise [de transport] », « association [d'aide à domicile] ».
WORDS_AFTER_THE_KIND = re.compile(r"^\s*(?:de la\s|de l'|des\s|du\s|de\s|d'|dans l[ae]\s|dans l'|en\s)\s*((?:[\w'-]+\s*){1,3})")


def sector_in_employer_description(message: dict | None) -> dict[str, Any]:
    """The sector named inside the words that describe the employer (« une clinique privée », read as the kind
    of employer), or in the few words that complete them (« notre entreprise de transport »: the NLU may tag
    only « entreprise »), when the form's opening message has no sector of its own."""
    if message is None:
        return {}
    text = message.get("text") or ""
    for item in message.get("entities") or []:
        if item.get("entity") == "employer_kind" and isinstance(item.get("start"), int) and item.get("end"):
            completed = WORDS_AFTER_THE_KIND.match(text[item["end"]:])
            sector = _sector_of(text[item["start"]:item["end"]]) \
                or (_sector_of(completed.group(1)) if completed else None)
            if sector is not None:
                return {"sector": sector}
    return {}


def situation_buttons() -> list[dict]:
    return [{"title": label, "payload": inform("situation", key)} for key, label in SITUATION_LABELS.items()]


def contact_buttons() -> list[dict]:
    return [{"title": label, "payload": CONTACT_PAYLOADS[key]} for key, label in CONTACT_LABELS.items()]


def employer_kind_buttons() -> list[dict]:
    return [{"title": label, "payload": inform("employer_kind", key)} for key, label in EMPLOYER_KIND_LABELS.items()]


def sector_buttons() -> list[dict]:
    kb = load_knowledge()
    return [{"title": s.label, "payload": inform("sector", s.id)} for s in kb.sectors.values()]
