"""Something said outside any question ("j'ai 45 ans, je voudrais devenir aide-soignante") opens the way to
the right check, and the check then does not ask again what the person has just said."""

from __future__ import annotations

import json
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import GUESS_LABELS, answered_with_definition
from actions.forms import (
    FRESH_START_SLOTS,
    OFFERS,
    answered_with_age_follow_up,
    readable_value,
    stated_age,
)
from actions.parsing import (
    asks_something,
    fold_words,
    hires_in,
    names_this_age,
    says_it_is_an_employer,
    speaks_of_oneself,
)
from actions.safety import MENU_BUTTON, apologise_on_error
from actions.wording import a_sponsor_speaks
from knowledge import load_knowledge

# The entities each check can reuse (actions/forms.py reads them back when the check starts).
CANDIDATE_ENTITIES = ["age", "situation", "certification", "department"]
EMPLOYER_ENTITIES = ["employer_kind", "sector", "certification", "department"]
# Questions whose "oui" must not be taken by an offer made after them (see `awaiting` in domain.yml).
PENDING_ANSWERS = {"consent_candidate", "consent_employer", "delete_confirmation"}


def said(tracker: Tracker, names: list[str]) -> dict[str, str]:
    """The value of each entity of `names` in the latest message, as a form would reuse it."""
    return {name: value for name in names if (value := readable_value(tracker.latest_message, name))}


def start_payload(intent: str, entities: dict[str, str]) -> str:
    """`/intent{"entity":"value"}`: Rasa reads the entities of a button payload without the NLU."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}" if entities else f"/{intent}"


def forget_offer(tracker: Tracker) -> list[dict]:
    """Once the conversation has moved on (a FAQ answered), a later "oui" no longer answers the offer."""
    return [SlotSet("awaiting", None)] if tracker.get_slot("awaiting") in OFFERS else []


@apologise_on_error
class ActionOfferChecks(Action):
    def name(self) -> str:
        return "action_offer_checks"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
        # "c'est quoi un GEIQ ?" names an employer_kind, yet describes no one
        if answered_with_definition(dispatcher, load_knowledge(), tracker.latest_message.get("text")):
            return []
        # "Indiquez un âge et je calcule le montant" — « j'ai 23 ans, au RSA », « et à 30 ? »: the amount, not the
        # offer of a check.
        if answered_with_age_follow_up(dispatcher, tracker, any_wording=True):
            return []
        age = stated_age(tracker)
        candidate = said(tracker, CANDIDATE_ENTITIES)
        employer = said(tracker, EMPLOYER_ENTITIES)
        candidate_button = {"title": GUESS_LABELS["start_prescreen"],
                            "payload": start_payload("start_prescreen", candidate)}
        employer_button = {"title": GUESS_LABELS["employer_check"],
                           "payload": start_payload("employer_check", employer)}
        # A sector alone says nothing of who is speaking ("je voudrais travailler dans la restauration").
        message_text = tracker.latest_message.get("text") or ""
        # After the employer check's offer, a job, a place or a number of hires keeps that side (« associatif », then
        # « aide-soignant », then « 2 personnes »).
        speaks_as_employer = "employer_kind" in employer or says_it_is_an_employer(message_text) \
            or (tracker.get_slot("awaiting") == "offer_employer_check" and (employer or hires_in(message_text)))
        if speaks_as_employer and not {"age", "situation"} & set(candidate):
            text = ("Merci pour ces précisions. En quelques questions, je peux vérifier avec vous si votre structure "
                    "peut recruter en VAE inversée. Voulez-vous commencer ?")
            buttons, offered = [employer_button, candidate_button], "offer_employer_check"
        elif candidate:
            knowledge = load_knowledge()
            age_check = knowledge.age_check(age) if age is not None and names_this_age(message_text, age) else None
            if age_check is not None and age_check.status == "fail":
                # Under the minimum age a check can only end the same way: say so, and offer the questions.
                dispatcher.utter_message(text=f"{age_check.message} Je reste à votre disposition pour toute "
                                              "question sur le dispositif.", buttons=[MENU_BUTTON])
                return [] if tracker.get_slot("awaiting") in PENDING_ANSWERS else [SlotSet("awaiting", None)]
            # "j'ai 16 ans, je suis au RSA, c'est possible ?": the conditions met answer it; the check does the rest.
            met = [age_check.message] if age_check is not None else []
            if "situation" in candidate:
                met.append(knowledge.status_check().message)
            text = " ".join(["Merci pour ces précisions.", *met, "En quelques questions, je peux vérifier avec vous "
                             "si un parcours de VAE inversée vous est accessible. Voulez-vous commencer ?"])
            buttons, offered = [candidate_button, employer_button], "offer_prescreen"
        else:
            text = ("Que souhaitez-vous faire ? Je peux vérifier si un parcours de VAE inversée vous est "
                    "accessible, vérifier si une structure peut recruter avec ce dispositif, ou répondre à vos "
                    "questions.")
            buttons, offered = [candidate_button, employer_button], None
        if offered and tracker.get_slot("awaiting") == offered:
            # « Voulez-vous commencer ? » answered with a detail of that check (« entreprise privée »): it starts,
            # with everything said since the offer (forms.opening_message), instead of the same offer again.
            form = "employer_form" if offered == "offer_employer_check" else "prescreen_form"
            return [SlotSet(slot, None) for slot in FRESH_START_SLOTS] + [FollowupAction(form)]
        dispatcher.utter_message(text=text, buttons=buttons + [MENU_BUTTON])
        if tracker.get_slot("awaiting") in PENDING_ANSWERS:
            return []  # a "oui" still answers the consent or deletion question asked before
        return [SlotSet("awaiting", offered)]


def describes_a_candidate(tracker: Tracker) -> bool:
    """Whether the latest message, outside a check, says the speaker's age (as an age) or situation in the first
    person (« je suis maman au foyer, 38 ans, je voudrais reprendre un travail »)."""
    text = tracker.latest_message.get("text") or ""
    age = stated_age(tracker)
    return (not tracker.active_loop_name and speaks_of_oneself(text)
            and ("situation" in said(tracker, ["situation"]) or (age is not None and names_this_age(text, age))))


# Questions a candidate asks about themselves: « j'ai 52 ans, c'est possible pour moi ? » gets the general answer,
# then the offer of the pre-screen, which a « oui » opens with the age or situation just said.
PERSONAL_TOPICS = {"public_age", "status", "experience", "cdi_avenant", "temp_work", "individual_apply"}
# In the same way, « on est une crèche privée, on voudrait embaucher » gets the steps, then the offer of the
# employer check.
EMPLOYER_QUESTION_TOPICS = {"employers_allowed", "public_employers", "employer_steps", "hiring_aids",
                            "employer_cost", "aid_6000_ended", "sectors", "certifications", "tutor", "contract_form",
                            "opco_filing"}


# « je suis aide à domicile depuis 5 ans sans diplôme, je voudrais le DEAES » got the certifications' answer and no
# way on: a person who says which certification they wish for is offered the pre-screen, which reuses it.
WISH = re.compile(r"\b(?:je voudrais|j aimerais|je souhaite|je souhaiterais|je veux|mon projet est|mon objectif est)\b")


def wishes_for_a_certification(tracker: Tracker, candidate: dict) -> bool:
    text = tracker.latest_message.get("text") or ""
    return "certification" in candidate and WISH.search(fold_words(text)) is not None and not asks_something(text) \
        and not says_it_is_an_employer(text)


def offer_check_after_answer(dispatcher: CollectingDispatcher, tracker: Tracker, topic_id: str) -> list[dict]:
    """After a FAQ answer, the offer of the check that fits what the person said of themselves, if anything."""
    if tracker.active_loop_name:
        return forget_offer(tracker)
    text = tracker.latest_message.get("text")
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if topic_id == "sponsor_apply" and intent != "sponsor_info" and a_sponsor_speaks(text or ""):
        # How sponsors receive leads here, as the rule for sponsor_info says it (« je suis chargée de mission
        # dans un OPCO » is read as another intent).
        dispatcher.utter_message(response="utter_sponsor_bot")
        return forget_offer(tracker)
    candidate = said(tracker, CANDIDATE_ENTITIES)
    employer = said(tracker, EMPLOYER_ENTITIES)
    age = stated_age(tracker)
    # How a person enters ends « Je peux vous aider à repérer des porteurs près de chez vous »: the pre-screen does
    # that, so it is offered to anyone who is not an employer.
    asks_how_to_enter = topic_id == "individual_apply" and not says_it_is_an_employer(text)
    if ((topic_id in PERSONAL_TOPICS and {"age", "situation"} & set(candidate) and speaks_of_oneself(text)
         or asks_how_to_enter or wishes_for_a_certification(tracker, candidate))
            and (age is None or load_knowledge().age_check(age).status != "fail")):  # else the answer says why not
        offered = "offer_prescreen"
        question = "si un parcours vous est accessible"
        button = {"title": GUESS_LABELS["start_prescreen"], "payload": start_payload("start_prescreen", candidate)}
    elif (topic_id in EMPLOYER_QUESTION_TOPICS and says_it_is_an_employer(text)
          and not tracker.get_slot("employer_kind")  # a check already done is not offered again
          and not {"age", "situation"} & set(candidate)  # a candidate's words
          and employer.get("employer_kind") != "public"):  # the answer says why not
        offered = "offer_employer_check"
        question = "si votre structure peut recruter en VAE inversée"
        button = {"title": GUESS_LABELS["employer_check"],
                  "payload": start_payload("employer_check", employer)}
    else:
        return forget_offer(tracker)
    reused = " Je reprendrai ce que vous venez de m'indiquer." if candidate or employer else ""
    dispatcher.utter_message(text=f"Voulez-vous vérifier avec moi, en quelques questions, {question} ?{reused}",
                             buttons=[button, MENU_BUTTON])
    return [] if tracker.get_slot("awaiting") in PENDING_ANSWERS else [SlotSet("awaiting", offered)]
