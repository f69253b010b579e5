"""After the forms: verdicts in plain French, consent, and leads stored for sponsors; data rights.

Nothing about a person is written to the database before they say yes to the consent text, which
names the sponsor, the purpose, the retention period and how to see or delete the data.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.db import channel_of, store
from actions.fallback import ActionClarify
from actions.forms import (
    FORM_SLOTS,
    FRESH_START_SLOTS,
    OFFERS,
    asked_just_before,
    describe,
    form_interrupted_just_before,
    intent_confidence,
    latest_intent,
    offered_just_before,
    unsure_leaving,
    unsure_start,
    upper_first,
)
from actions.offers import PENDING_ANSWERS, ActionOfferChecks
from actions.parsing import says_it_is_an_employer
from actions.readings import answered_a_question_to_redo_the_contract, topic_message
from actions.safety import MENU_BUTTON, apologise_on_error
from actions.wording import (
    asks_who_sees_the_data,
    speaks_of_own_employer,
    topic_asked_with_a_check,
)
from knowledge import clock, load_knowledge
from storage import (
    CapacityExhausted,
    StorageError,
    StorageUnavailable,
    create_lead_with_notification,
    delete_personal_data,
    get_or_create_person,
    get_sponsor,
    list_sponsors,
    personal_data_of,
    record_consent,
    record_employer_lead,
    set_person_details,
    utcnow,
)

logger = logging.getLogger(__name__)

CONSENT_VERSION = "2026-11-26.1"
RETENTION_DAYS = 180
YES_NO = [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
# The actions that ask for consent (action_store_lead asks again when it cannot store or is not sure of the yes,
# action_stop when a "stop" was unsure), and those that ask the deletion question.
ASK_AGAIN = "Pour être sûr de votre réponse, je vous repose la question. "  # a "oui" that answered something else
# A consent or an erasure needs a clear yes: the button, or words the NLU reads as yes with confidence (« oui »,
# « d'accord », « j'accepte », « ok pour moi »: 0.78–1.0 on 2026-12-08). « 👎 » read as yes at 0.43, or any
# message without a word, gets the question again; so does an unsure no to the consent (« peut-être » read as no
# at 0.38), which would erase the person's answers.
CLEAR_ANSWER = 0.6


def a_clear_yes(tracker: Tracker) -> bool:
    text = (tracker.latest_message.get("text") or "").strip()
    without_words = bool(text) and not any(ch.isalpha() for ch in text)
    return intent_confidence(tracker) >= CLEAR_ANSWER and not without_words


# The actions that (re)ask the consent or deletion question: a "oui" right after them answers it.
CONSENT_ASKERS = {"action_prescreen_verdict", "action_employer_verdict", "action_store_lead", "action_stop",
                  "action_show_my_data"}
DELETE_QUESTION = ("Voulez-vous vraiment supprimer toutes les données que j'ai enregistrées sur vous, ainsi que "
                   "l'historique de notre conversation ? Les demandes transmises seront anonymisées.")
DELETE_ASKERS = {"action_confirm_deletion", "action_delete_my_data", "action_stop", "action_show_my_data"}
NOT_UNDERSTOOD = "Je n'ai pas bien compris, je vous repose la question (pour en rester là, écrivez « stop »). "
GENERAL_QUEUE = "general_queue"
UNAVAILABLE = ("Je ne peux pas enregistrer votre demande pour le moment (problème technique de notre côté). "
               "Rien n'a été enregistré. Réessayez dans quelques minutes en répondant « oui ».")
VERDICT_TITLES = {
    "eligible": "✅ D'après vos réponses, vous remplissez les conditions de la VAE inversée.",
    "not_eligible": "❌ D'après vos réponses, vous ne remplissez pas toutes les conditions de la VAE inversée.",
    "window_closed": "⏳ Vous remplissez les conditions personnelles, mais la période pour signer un nouveau contrat "
                     "est close.",
    "incomplete": "ℹ️ Il me manque une information pour conclure.",
}
# The verdict in the third person: for the sponsor's notification and for "mes données".
VERDICT_LABELS = {
    "eligible": "conditions remplies",
    "not_eligible": "conditions non remplies",
    "window_closed": "conditions personnelles remplies, période de signature close",
    "incomplete": "informations incomplètes",
}
EMPLOYER_TITLES = {
    "eligible": "✅ Vous pouvez recruter en VAE inversée, sous les conditions ci-dessous.",
    "not_eligible": "❌ Vous ne pouvez pas recruter en VAE inversée.",
    "window_closed": "⏳ La période pour conclure de nouveaux contrats en VAE inversée est close.",
    "incomplete": "ℹ️ Je ne peux pas conclure avec ces informations.",
}


def age_bracket(age: int | None) -> str:
    if age is None:
        return "âge non précisé"
    for low, high in ((16, 17), (18, 25), (26, 44), (45, 120)):
        if low <= age <= high:
            return f"{low}-{high} ans" if high < 120 else f"{low} ans et plus"
    return "moins de 16 ans"


def candidate_profile(tracker: Tracker) -> dict[str, Any]:
    """The knowledge profile from the slots (only the keys the engine knows)."""
    amendment = tracker.get_slot("cdi_amendment")
    profile = {
        "age": tracker.get_slot("age"),
        "situation": tracker.get_slot("situation"),
        "cdi_amendment": amendment if isinstance(amendment, bool) else None,
        "target": tracker.get_slot("target"),
        "department": tracker.get_slot("department"),
        "sector": tracker.get_slot("sector"),
    }
    return {k: v for k, v in profile.items() if v is not None}


def checks_to_show(verdict: str, checks: list) -> list:
    """Not eligible: the reasons only; what is still unknown no longer matters."""
    return [check for check in checks if check.status == "fail"] if verdict == "not_eligible" else checks


def render_checks(checks, with_sources: bool = True) -> list[str]:
    lines = []
    for check in checks:
        if check.status == "pass":
            continue
        mark = "✗" if check.status == "fail" else "?"
        line = f"{mark} {check.message}"
        if with_sources and check.source:
            line += f" (source : {check.source})"
        lines.append(line)
    return lines


def alternatives_text(kb, on) -> str:
    return kb.render_faq("window", on=on).text


def matched_sponsor(kb, tracker: Tracker):
    """The best sponsor for the person, with the remaining capacity the database knows."""
    remaining = {}
    try:
        with store().transaction() as session:
            remaining = {s.key: s.capacity - s.used for s in list_sponsors(session)}
    except StorageError:
        logger.warning("storage unavailable while matching sponsors; using directory capacities")
    matches = kb.match_sponsors(department=tracker.get_slot("department"), certification=tracker.get_slot("target"),
                                sector=tracker.get_slot("sector"), remaining_capacity=remaining, limit=1)
    return matches[0].sponsor if matches else None


def consent_text(sponsor_name: str | None, subject: str) -> str:
    who = f"au porteur de projet « {sponsor_name} »" if sponsor_name else \
        "à l'équipe qui gère cet assistant, qui cherchera un porteur de projet pour vous"
    what = ("votre prénom, votre tranche d'âge, votre situation, la certification visée, votre département "
            "et le moyen de contact choisi") if subject == "candidate" else \
        "le type de structure, le secteur, la certification visée, le nombre de recrutements et le département"
    return (f"Avant d'enregistrer quoi que ce soit : j'aimerais transmettre {what} {who}, uniquement pour qu'il "
            f"vous recontacte au sujet de la VAE inversée. Ces données sont conservées {RETENTION_DAYS} jours au "
            "plus. Vous pourrez à tout moment les consulter (« mes données ») ou les supprimer "
            "(« supprimer mes données »). Êtes-vous d'accord ?")


def consent_subject(tracker: Tracker) -> str:
    return "employer" if tracker.get_slot("awaiting") == "consent_employer" else "candidate"


def matched_sponsor_name(kb, tracker: Tracker) -> str | None:
    """The name of the sponsor the consent text names (None: the general queue)."""
    key = tracker.get_slot("matched_sponsor")
    return kb.sponsors[key].name if key in kb.sponsors else None


def pending_question(tracker: Tracker) -> str:
    """The consent or deletion question that `awaiting` says is still open, in the words it was asked."""
    if tracker.get_slot("awaiting") == "delete_confirmation":
        return DELETE_QUESTION
    return consent_text(matched_sponsor_name(load_knowledge(), tracker), consent_subject(tracker))


@apologise_on_error
class ActionResetForms(Action):
    """Start a form afresh: a new pre-screen or employer check does not reuse old answers."""

    def name(self) -> str:
        return "action_reset_forms"

    async def run(self, dispatcher, tracker, domain):
        if latest_intent(tracker) == "start_over" and tracker.active_loop_name \
                and answered_a_question_to_redo_the_contract(dispatcher, tracker):
            # During a check too: the renewal's answer, then the check asks its question again, nothing reset.
            return [SlotSet("awaiting", None)]
        if unsure_start(tracker):
            # « est-ce qu'on peut être à temps partiel » read as start_prescreen at 0.29: a question, not a wish to
            # start a check. The NLU's best guesses instead of a first question; nothing is reset.
            events = await ActionClarify().run(dispatcher, tracker, domain)
            return events + [FollowupAction("action_listen")]
        if latest_intent(tracker) == "start_prescreen" and not tracker.active_loop_name \
                and says_it_is_an_employer(tracker.latest_message.get("text")):
            # « je suis un GEIQ et je cherche des candidats » read as the pre-screen (0.59): a structure is not asked
            # its age; the offer of the employer check instead.
            events = await ActionOfferChecks().run(dispatcher, tracker, domain)
            starts = any(event.get("event") == "followup" for event in events)
            return events if starts else events + [FollowupAction("action_listen")]
        if latest_intent(tracker) == "employer_check" and not tracker.active_loop_name \
                and speaks_of_own_employer(tracker.latest_message.get("text") or ""):
            # « est-ce possible en restant dans mon entreprise actuelle ? » read as the employer check (0.50): an
            # employee asking about their own employer gets the CDI topic (an avenant), not the employer's questions.
            dispatcher.utter_message(**topic_message(load_knowledge(), tracker, "cdi_avenant"))
            return [FollowupAction("action_listen")]
        resets = [SlotSet(slot, None) for slot in FRESH_START_SLOTS]
        if latest_intent(tracker) in ("stop", "goodbye"):
            # The person leaves a form ("j'arrête ici et je n'enregistre rien"): their answers, a phone number
            # perhaps, leave the conversation history too.
            return forget_conversation() + [SlotSet("requested_slot", None)]
        if latest_intent(tracker) == "affirm" and tracker.get_slot("awaiting") in OFFERS \
                and not offered_just_before(tracker):
            # This "oui" answers what was said since the offer ("Avez-vous une autre question ?"), not the offer:
            # no check starts (the listen replaces the form that the rule predicts).
            dispatcher.utter_message(response="utter_ok")
            return resets + [FollowupAction("action_listen")]
        asked = topic_asked_with_a_check(latest_intent(tracker), tracker.latest_message.get("text") or "")
        if asked:  # the answer first; the check's first question follows
            dispatcher.utter_message(**topic_message(load_knowledge(), tracker, asked))
        return resets


@apologise_on_error
class ActionPrescreenVerdict(Action):
    def name(self) -> str:
        return "action_prescreen_verdict"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> list:
        kb = load_knowledge()
        today = clock.today()
        result = kb.assess(candidate_profile(tracker), on=today)
        lines = [VERDICT_TITLES[result.verdict]]
        lines += render_checks(checks_to_show(result.verdict, result.checks))
        if result.conditions and result.verdict != "not_eligible":
            lines.append("Conditions à connaître :")
            lines += [f"• {condition}" for condition in result.conditions]
        if result.verdict == "window_closed":
            lines.append(alternatives_text(kb, today))
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet("verdict", result.verdict)] + offer_contact(dispatcher, tracker, kb, result.verdict, "candidate")


def offer_contact(dispatcher, tracker, kb, verdict: str, subject: str) -> list:
    """Ask for consent to pass the request on, when a contact can still help the person."""
    if verdict == "not_eligible":
        dispatcher.utter_message(text="Vous pouvez me poser d'autres questions, ou regarder la VAE classique.",
                                 buttons=[{"title": "VAE classique", "payload": "/faq_vs_classic_vae"}, MENU_BUTTON])
        return [SlotSet("awaiting", None)]
    sponsor = matched_sponsor(kb, tracker) if subject == "candidate" else None
    if subject == "candidate" and sponsor is None:
        dispatcher.utter_message(text="Je n'ai pas trouvé de porteur de projet avec des places disponibles pour "
                                      "votre département et votre métier.")
    dispatcher.utter_message(text=consent_text(sponsor.name if sponsor else None, subject), buttons=YES_NO)
    return [SlotSet("matched_sponsor", sponsor.id if sponsor else GENERAL_QUEUE), SlotSet("awaiting", f"consent_{subject}")]


@apologise_on_error
class ActionEmployerVerdict(Action):
    def name(self) -> str:
        return "action_employer_verdict"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> list:
        kb = load_knowledge()
        today = clock.today()
        result = kb.check_employer(tracker.get_slot("employer_kind"), on=today, sector=tracker.get_slot("sector"),
                                   target=tracker.get_slot("target"))
        excluded = result.verdict == "not_eligible"  # the reasons only, then what to do instead
        lines = [EMPLOYER_TITLES[result.verdict]]
        lines += render_checks(checks_to_show(result.verdict, result.checks))
        if result.conditions and not excluded:
            lines.append("Conditions :")
            lines += [f"• {condition}" for condition in result.conditions]
        if result.next_steps:
            lines.append("Étapes :")
            lines += [f"{i}. {step}" for i, step in enumerate(result.next_steps, 1)]
        dispatcher.utter_message(text="\n".join(lines))
        if not excluded:
            # The cost answer already names the main aid; the full list of aids is one button away.
            dispatcher.utter_message(text="Coût et aides : " + kb.render_faq("employer_cost", on=today).text,
                                     buttons=[{"title": "Les aides à l'embauche", "payload": "/faq_hiring_aids"}])
        return [SlotSet("verdict", result.verdict)] + offer_contact(dispatcher, tracker, kb, result.verdict, "employer")


@apologise_on_error
class ActionStoreLead(Action):
    """The person said yes: store the person, the consent and the lead (with its outbox row) together."""

    def name(self) -> str:
        return "action_store_lead"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> list:
        subject = consent_subject(tracker)
        kb = load_knowledge()
        sponsor_key = tracker.get_slot("matched_sponsor")
        sponsor_name = matched_sponsor_name(kb, tracker)
        if not asked_just_before(tracker, CONSENT_ASKERS) or not a_clear_yes(tracker):
            # A "oui" to something else ("Avez-vous une autre question ?" after a FAQ), or an unsure yes, is not a
            # consent.
            dispatcher.utter_message(text=ASK_AGAIN + consent_text(sponsor_name, subject), buttons=YES_NO)
            return [SlotSet("awaiting", tracker.get_slot("awaiting"))]
        channel, channel_id = channel_of(tracker.sender_id)
        now = utcnow()
        try:
            with store().transaction() as session:
                person = get_or_create_person(session, channel, channel_id, now)
                consent = record_consent(session, person, purpose=f"lead_{subject}",
                                         text=consent_text(sponsor_name, subject), version=CONSENT_VERSION, now=now)
                if subject == "employer":
                    record_employer_lead(
                        session, person, employer_kind=tracker.get_slot("employer_kind"),
                        sector=tracker.get_slot("sector"), certification=tracker.get_slot("target"),
                        hires=tracker.get_slot("hires"), department=tracker.get_slot("department"),
                        verdict=tracker.get_slot("verdict") or "incomplete", now=now)
                else:
                    store_candidate_lead(session, person, consent, tracker, kb, sponsor_key, now)
        except CapacityExhausted:
            dispatcher.utter_message(text="Ce porteur de projet vient d'atteindre sa capacité. Votre demande n'a pas "
                                          "été enregistrée ; redemandez une vérification pour en trouver un autre.")
            return [SlotSet("awaiting", None)]
        except StorageUnavailable:
            logger.warning("storage unavailable while storing a lead")
            dispatcher.utter_message(text=UNAVAILABLE)
            # still awaiting consent: a later "oui" tries again
            return [SlotSet("awaiting", tracker.get_slot("awaiting"))]
        who = f"« {sponsor_name} »" if sponsor_name else "l'équipe de l'assistant"
        dispatcher.utter_message(text=f"Merci, c'est enregistré. Votre demande est transmise à {who}. Vous serez "
                                      "prévenu(e) ici quand elle sera prise en charge. « mes données » vous montre ce "
                                      "que je garde, « supprimer mes données » l'efface.",
                                 buttons=[MENU_BUTTON])
        return [SlotSet("awaiting", None)]


def sponsor_conditions(kb, conditions: list[str]) -> list[str]:
    """The conditions that concern the sponsor's own work; the others are written to the candidate ("votre
    contrat", "l'OPCO de votre secteur") and say nothing new to a sponsor."""
    for_sponsor = {str(kb.rules["sector"].extra["condition"]), str(kb.rules["target_kind"].extra["condition_ccn"])}
    return [condition for condition in conditions if condition in for_sponsor]


def store_candidate_lead(session, person, consent, tracker: Tracker, kb, sponsor_key: str | None, now) -> None:
    preference = tracker.get_slot("contact_preference")
    if preference == "chat":  # "here, by message": the channel the person is writing from
        preference = channel_of(tracker.sender_id)[0]
    first_name = tracker.get_slot("first_name")
    set_person_details(session, person, first_name=None if first_name in (None, "-") else first_name,
                       contact_preference=preference, contact_value=tracker.get_slot("contact_value"))
    profile = candidate_profile(tracker)
    assessment = kb.assess(profile, on=clock.today())
    sponsor = get_sponsor(session, sponsor_key) if sponsor_key in kb.sponsors else None
    target = kb.certifications.get(profile.get("target") or "")
    department = profile.get("department")
    summary = {
        "initial": f"{first_name[0]}." if first_name and first_name != "-" else "-",
        "age_bracket": age_bracket(profile.get("age")),
        "certification": f"{target.title} ({target.code})" if target else
        (f"{profile['target']} (hors catalogue, à vérifier)" if profile.get("target") else "-"),
        "department": f"{department} — {kb.departments[department].name}" if department in kb.departments else "-",
        "situation": upper_first(", ".join(describe(slot, profile[slot]) for slot in ("situation", "cdi_amendment")
                                           if slot in profile)),
        "verdict_label": upper_first(VERDICT_LABELS[assessment.verdict]),  # read by the sponsor, not the candidate
        "conditions": sponsor_conditions(kb, assessment.conditions),
    }
    create_lead_with_notification(session, person, profile, assessment.verdict, sponsor.id if sponsor else None,
                                  consent, now=now, summary=summary, expires_in=timedelta(days=14))


@apologise_on_error
class ActionNoConsent(Action):
    def name(self) -> str:
        return "action_no_consent"

    def run(self, dispatcher, tracker, domain):
        if intent_confidence(tracker) < CLEAR_ANSWER:
            dispatcher.utter_message(text=ASK_AGAIN + pending_question(tracker), buttons=YES_NO)
            return [SlotSet("awaiting", tracker.get_slot("awaiting"))]
        dispatcher.utter_message(text="C'est noté : je n'enregistre rien, et j'efface vos réponses de notre "
                                      "conversation. Vous pouvez continuer à me poser vos questions.",
                                 buttons=[MENU_BUTTON])
        return forget_conversation()


@apologise_on_error
class ActionShowMyData(Action):
    def name(self) -> str:
        return "action_show_my_data"

    def run(self, dispatcher, tracker, domain):
        if asks_who_sees_the_data(tracker.latest_message.get("text") or ""):  # who sees them, not what is stored
            dispatcher.utter_message(**topic_message(load_knowledge(), tracker, "personal_data"))
        elif not self.show_stored_data(dispatcher, tracker):
            return []
        if tracker.get_slot("awaiting") in ("consent_candidate", "consent_employer", "delete_confirmation"):
            # « mes données » asked at the consent question: the question stays open, and is asked again.
            dispatcher.utter_message(text="Ma question reste posée. " + pending_question(tracker), buttons=YES_NO)
        return []

    @staticmethod
    def show_stored_data(dispatcher, tracker) -> bool:
        """What is stored about the sender; False when the database cannot be read (the person is told)."""
        channel, channel_id = channel_of(tracker.sender_id)
        try:
            with store().transaction() as session:
                data = personal_data_of(session, channel, channel_id)
        except StorageUnavailable:
            dispatcher.utter_message(text="Je ne peux pas consulter vos données pour le moment. Réessayez plus tard.")
            return False
        text = render_my_data(data) if data else ("Je n'ai enregistré aucune donnée vous concernant. Seul "
                                                  "l'historique de notre conversation est conservé ; « Supprimer mes "
                                                  "données » l'efface.")
        dispatcher.utter_message(text=text, buttons=[{"title": "Supprimer mes données", "payload": "/delete_my_data"},
                                                     MENU_BUTTON])
        return True


LEAD_STATUS_LABELS = {
    "new": "enregistrée, pas encore transmise",
    "notified": "transmise, en attente de la réponse du porteur",
    "accepted": "prise en charge par le porteur",
    "declined": "déclinée par le porteur",
    "expired": "restée sans réponse du porteur",
    "withdrawn": "retirée",
}


def french_time(iso: str | None) -> str:
    """"2026-11-27T03:11:26+00:00" -> "27/11/2026 à 04:11" (heure de Paris)."""
    if not iso:
        return "-"
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y à %H:%M")


def request_lines(title: str, to: str, lead: dict, answers: list[str]) -> list[str]:
    return [f"{title} du {french_time(lead['created_at'])}{to} : {LEAD_STATUS_LABELS.get(lead['status'], lead['status'])} "
            f"({VERDICT_LABELS.get(lead['verdict'], lead['verdict'])}).", "   Vos réponses : " + ", ".join(answers)]


def render_my_data(data: dict) -> str:
    """What personal_data_of returns, as the person can read it ("mes données")."""
    person = data["person"]
    contact = {"phone": "par téléphone", "email": "par e-mail"}.get(person["contact_preference"] or "")
    lines = ["Voici ce que j'ai enregistré vous concernant :",
             f"• Prénom : {person['first_name'] or 'non indiqué'}",
             f"• Contact : {f'{contact} : ' + str(person['contact_value']) if contact else 'ici, par message'}",
             f"• Enregistré le {french_time(person['created_at'])}"]
    for consent in data["consents"]:
        withdrawn = f", retiré le {french_time(consent['withdrawn_at'])}" if consent["withdrawn_at"] else ""
        lines += [f"Votre accord, donné le {french_time(consent['given_at'])}{withdrawn} :", f"« {consent['text']} »"]
    for lead in data["leads"]:
        to = f" pour « {lead['sponsor']} »" if lead["sponsor"] else ""
        answers = [describe(slot, value) for slot, value in lead["profile"].items() if slot in FORM_SLOTS]
        lines += request_lines(f"Demande n° {lead['id']}", to, lead, answers)
    for lead in data["employer_leads"]:
        answers = [describe(slot, lead[key]) for slot, key in (("employer_kind", "employer_kind"), ("sector", "sector"),
                   ("target", "certification"), ("hires", "hires"), ("department", "department")) if lead[key]]
        lines += request_lines(f"Demande employeur n° {lead['id']}", "", lead, answers)
    for handoff in data["handoff_requests"]:
        lines.append(f"Demande de contact avec une personne du {french_time(handoff['created_at'])} : "
                     f"« {handoff['reason']} »")
    return "\n".join(lines)


@apologise_on_error
class ActionAskDeleteConfirmation(Action):
    def name(self) -> str:
        return "action_confirm_deletion"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=DELETE_QUESTION, buttons=YES_NO)
        return [SlotSet("awaiting", "delete_confirmation")]


@apologise_on_error
class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    def run(self, dispatcher, tracker, domain):
        if not asked_just_before(tracker, DELETE_ASKERS) or not a_clear_yes(tracker):
            # A "oui" to something else said since the question, or an unsure yes, does not erase anything.
            dispatcher.utter_message(text=ASK_AGAIN + DELETE_QUESTION, buttons=YES_NO)
            return [SlotSet("awaiting", "delete_confirmation")]
        channel, channel_id = channel_of(tracker.sender_id)
        try:
            with store().transaction() as session:
                deleted = delete_personal_data(session, channel, channel_id, utcnow())
        except StorageUnavailable:
            dispatcher.utter_message(text="Je ne peux pas supprimer vos données pour le moment : rien n'a été modifié. "
                                          "Réessayez plus tard.")
            return [SlotSet("awaiting", None)]
        text = ("C'est fait : vos données personnelles sont supprimées, vos demandes anonymisées et l'historique "
                "de notre conversation effacé." if deleted
                else "C'est fait : l'historique de notre conversation est effacé. Je n'avais enregistré aucune autre "
                     "donnée vous concernant.")
        dispatcher.utter_message(text=text, buttons=[MENU_BUTTON])
        return forget_conversation()


def forget_conversation() -> list[dict[str, Any]]:
    """Events that erase this conversation's stored history and start again from empty answers.

    The marker slot comes first: the Rasa server's tracker store (scripts/erasing_tracker_store.py) deletes every
    stored event of the conversation and keeps only the events after the marker, here the resets.
    """
    return [SlotSet("forget_conversation", True)] + [
        SlotSet(slot, None) for slot in FORM_SLOTS + ["verdict", "matched_sponsor", "awaiting"]]


@apologise_on_error
class ActionKeepMyData(Action):
    def name(self) -> str:
        return "action_keep_my_data"

    def run(self, dispatcher, tracker, domain):
        form = form_interrupted_just_before(tracker)
        if form:
            # The check was closed to ask the deletion question: nothing is erased, so it goes on where it was.
            dispatcher.utter_message(text="D'accord, je ne supprime rien. Reprenons là où nous en étions.")
            return [SlotSet("awaiting", None), FollowupAction(form)]
        dispatcher.utter_message(text="D'accord, je ne supprime rien.", buttons=[MENU_BUTTON])
        return [SlotSet("awaiting", None)]


@apologise_on_error
class ActionStop(Action):
    """"stop" outside a form; its rule then says utter_stopped. The NLU reads short gibberish ("abc") as stop at
    ~0.27: such an unsure stop ends nothing, it asks the open question again (or clarifies) and listens instead."""

    def name(self) -> str:
        return "action_stop"

    async def run(self, dispatcher, tracker, domain):
        awaiting = tracker.get_slot("awaiting")
        if unsure_leaving(tracker):
            if awaiting in PENDING_ANSWERS:
                dispatcher.utter_message(text=NOT_UNDERSTOOD + pending_question(tracker), buttons=YES_NO)
                events = []
            else:
                events = await ActionClarify().run(dispatcher, tracker, domain)
            return events + [FollowupAction("action_listen")]  # the listen replaces the rule's utter_stopped
        if awaiting in ("consent_candidate", "consent_employer"):
            return forget_conversation()  # a stop at the consent question is a no, as in action_no_consent
        return [SlotSet("awaiting", None)] if awaiting else []


@apologise_on_error
class ActionHumanHandoff(Action):
    """Record a request to talk to a person only with the person's own words as consent (they asked)."""

    def name(self) -> str:
        return "action_human_handoff"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(
            text="Je ne peux pas encore vous mettre directement en relation avec une personne. Pour un échange humain, "
                 "contactez l'opérateur de compétences (OPCO) du secteur qui vous intéresse, ou un conseiller France "
                 "Travail si vous êtes demandeur d'emploi. Si vous faites le test d'éligibilité, je peux aussi "
                 "transmettre votre demande à un porteur de projet, avec votre accord.",
            buttons=[{"title": "Faire le test", "payload": "/start_prescreen"}, MENU_BUTTON])
        return []
