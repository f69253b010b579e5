"""Verdicts, consent and stored leads, on real SQLite and PostgreSQL databases."""

import asyncio

import pytest
from action_testlib import make_tracker
from db_testlib import BACKENDS, fresh_database
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

import actions.db
from actions.db import prepare_database
from actions.leads import (
    ActionDeleteMyData,
    ActionEmployerVerdict,
    ActionKeepMyData,
    ActionNoConsent,
    ActionPrescreenVerdict,
    ActionShowMyData,
    ActionStop,
    ActionStoreLead,
    age_bracket,
)
from storage import Store
from storage.models import Consent, Lead, Outbox, Person, Sponsor

CANDIDATE = {"age": 34, "situation": "job_seeker", "target": "RNCP35830", "department": "69",
             "contact_preference": "phone", "contact_value": "0612345678", "first_name": "Sarah"}


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path, monkeypatch):
    with fresh_database(request.param, tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        actions.db.store.cache_clear()
        prepare_database(url)
        store = Store(url)
        yield store
        store.dispose()
        actions.db.store().dispose()
        actions.db.store.cache_clear()


def run(action, slots, text="", intent="affirm", sender="tg:42", events=None, confidence=None, ranking=None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent=intent, slots=slots, sender=sender, events=events, confidence=confidence,
                           ranking=ranking)
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return events, "\n".join(m.get("text") or "" for m in dispatcher.messages), dispatcher.messages


def said_yes_after(*actions):
    """The conversation's events: a message, what the assistant did, then "oui"."""
    return [{"event": "user", "text": "..."}, *({"event": "action", "name": name} for name in actions),
            {"event": "user", "text": "oui"}]


def consent_yes(slots, **kwargs):
    """"oui" right after the verdict that asked for consent."""
    return run(ActionStoreLead(), slots, events=said_yes_after("action_prescreen_verdict", "action_listen"), **kwargs)


def count(store, model):
    with store.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_eligible_candidate_gets_the_verdict_and_a_consent_question_naming_the_sponsor(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    events, text, messages = run(ActionPrescreenVerdict(), CANDIDATE)
    assert "vous remplissez les conditions" in text
    assert "Exemple — Organisme de formation sanitaire et social (Lyon)" in text
    assert "180 jours" in text and "supprimer mes données" in text
    assert {"event": "slot", "name": "awaiting", "value": "consent_candidate", "timestamp": None} in events
    assert count(database, Person) == 0  # nothing stored before the answer


def test_after_the_window_the_verdict_says_so_with_alternatives(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2026-11-26")
    _, text, _ = run(ActionPrescreenVerdict(), CANDIDATE)
    assert "période pour signer un nouveau contrat est close" in text
    assert "28 février 2026" in text and "France VAE" in text


def test_not_eligible_gives_its_reasons_only(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    _, text, _ = run(ActionPrescreenVerdict(), {"age": 15})
    assert "vous ne remplissez pas toutes les conditions" in text and "au moins 16 ans" in text
    assert "n'est pas indiqué" not in text and "Conditions à connaître" not in text


def test_consent_stores_person_consent_lead_and_outbox_row_together(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    slots = dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon")
    _, text, _ = consent_yes(slots)
    assert "c'est enregistré" in text
    with database.transaction() as s:
        lead = s.scalars(select(Lead)).one()
        outbox = s.scalars(select(Outbox)).one()
        consent = s.scalars(select(Consent)).one()
        person = s.get(Person, lead.person_id)
        sponsor = s.get(Sponsor, lead.sponsor_id)
        assert (person.channel, person.channel_id, person.first_name) == ("telegram", "42", "Sarah")
        assert sponsor.key == "demo-of-sante-lyon" and sponsor.used == 1
        assert consent.version and "180 jours" in consent.text and consent.given_at is not None
        summary = outbox.payload["summary"]
        assert summary["initial"] == "S." and summary["age_bracket"] == "26-44 ans"
        assert summary["department"].startswith("69")
        # The sponsor reads it: not the candidate's "vous remplissez…", nor conditions written to the candidate.
        assert summary["verdict_label"] == "Conditions remplies"
        assert summary["situation"] == "Demandeur d'emploi (dont RSA, ASS)"
        assert not [c for c in summary["conditions"] if "votre" in c or "vous" in c]
        assert "0612345678" not in str(outbox.payload)  # contact details only after the sponsor accepts


def test_refusal_stores_nothing(database):
    events, text, _ = run(ActionNoConsent(), dict(CANDIDATE, awaiting="consent_candidate"), intent="deny")
    assert "je n'enregistre rien" in text
    # the first event asks the tracker store to erase the conversation; then every answer is cleared
    assert (events[0]["name"], events[0]["value"]) == ("forget_conversation", True)
    assert {e["name"]: e["value"] for e in events[1:]}["contact_value"] is None
    assert count(database, Person) == count(database, Lead) == 0


def test_an_unsure_no_to_the_consent_erases_nothing_and_asks_again(database):
    slots = dict(CANDIDATE, awaiting="consent_candidate")
    events, text, messages = run(ActionNoConsent(), slots, text="peut-être", intent="deny", confidence=0.38)
    assert "je vous repose la question" in text and "Êtes-vous d'accord ?" in text
    assert [(e["name"], e["value"]) for e in events] == [("awaiting", "consent_candidate")]  # no erasure
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]


def test_a_yes_to_another_question_is_not_a_consent_the_question_is_asked_again(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    slots = dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon")
    # "merci" -> "Avec plaisir ! Avez-vous une autre question ?" -> "oui", the consent question still open
    events, text, messages = run(ActionStoreLead(), slots, events=said_yes_after("action_thanks", "action_listen"))
    assert count(database, Person) == count(database, Consent) == count(database, Lead) == 0
    assert "je vous repose la question" in text and "Êtes-vous d'accord ?" in text
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert [(e["name"], e["value"]) for e in events] == [("awaiting", "consent_candidate")]
    # The yes to that repeated question is a consent.
    _, text, _ = run(ActionStoreLead(), slots, events=said_yes_after("action_store_lead", "action_listen"))
    assert "c'est enregistré" in text and count(database, Lead) == 1


LISTEN_INSTEAD = {"event": "followup", "timestamp": None, "name": "action_listen"}


def stop(slots, confidence, ranking=None):
    """"stop" outside a form, read with this confidence (None: a button or /annuler)."""
    return run(ActionStop(), slots, text="abc", intent="stop", confidence=confidence, ranking=ranking)


def test_a_sure_stop_at_the_consent_question_is_a_no(database):
    events, text, _ = stop(dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon"), 0.93)
    assert text == ""  # the rule says utter_stopped next: no listen replaces it
    assert LISTEN_INSTEAD not in events
    # As action_no_consent: the history is erased and the answers and the question are cleared.
    assert (events[0]["name"], events[0]["value"]) == ("forget_conversation", True)
    cleared = {e["name"]: e["value"] for e in events[1:]}
    assert cleared["awaiting"] is None and cleared["contact_value"] is None
    assert count(database, Person) == count(database, Consent) == count(database, Lead) == 0


@pytest.mark.parametrize(("awaiting", "expected"), [(None, []), ("delete_confirmation", [("awaiting", None)]),
                                                    ("offer_prescreen", [("awaiting", None)])])
def test_a_sure_stop_elsewhere_clears_the_open_question_only(awaiting, expected):
    for confidence in (0.5, None):  # None: the /stop payload of a button or of /annuler
        events, text, _ = stop({"awaiting": awaiting}, confidence)
        assert text == "" and [(e["name"], e.get("value")) for e in events] == expected


def test_an_unsure_stop_at_the_consent_question_asks_it_again(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    slots = dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon")
    events, text, messages = stop(slots, 0.27)
    assert text.startswith("Je n'ai pas bien compris") and "« stop »" in text and "j'arrête" not in text
    assert "« Exemple — Organisme de formation sanitaire et social (Lyon) »" in text and "Êtes-vous d'accord ?" in text
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert events == [LISTEN_INSTEAD]  # awaiting kept, and no "j'arrête là" from the rule
    assert count(database, Person) == 0
    # The yes to the question asked again is the consent.
    _, text, _ = run(ActionStoreLead(), slots, events=said_yes_after("action_stop", "action_listen"))
    assert "c'est enregistré" in text and count(database, Lead) == 1


def test_an_unsure_stop_at_the_deletion_question_asks_it_again(database):
    events, text, messages = stop({"awaiting": "delete_confirmation"}, 0.3)
    assert text.startswith("Je n'ai pas bien compris") and "Voulez-vous vraiment supprimer" in text
    assert "j'arrête" not in text and [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert events == [LISTEN_INSTEAD]
    events, text, _ = run(ActionDeleteMyData(), {"awaiting": "delete_confirmation"},
                          events=said_yes_after("action_stop", "action_listen"))
    assert "C'est fait" in text and (events[0]["name"], events[0]["value"]) == ("forget_conversation", True)


@pytest.mark.parametrize("awaiting", [None, "offer_prescreen"])
def test_an_unsure_stop_with_no_question_open_gets_the_clarification(awaiting):
    ranking = [{"name": "stop", "confidence": 0.27}, {"name": "faq_duration", "confidence": 0.2},
               {"name": "greet", "confidence": 0.15}, {"name": "faq_window", "confidence": 0.1}]
    events, text, messages = stop({"awaiting": awaiting}, 0.27, ranking)
    assert "pas sûr d'avoir compris" in text and "j'arrête" not in text
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/faq_duration", "/faq_window", "/help"]
    assert events == [LISTEN_INSTEAD]  # an offer stays open, as after action_clarify


def test_database_down_gives_a_clear_answer_and_keeps_the_question_open(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/nothing?connect_timeout=2")
    actions.db.store.cache_clear()
    try:
        events, text, _ = consent_yes(dict(CANDIDATE, awaiting="consent_candidate",
                                                      matched_sponsor="demo-of-sante-lyon"))
    finally:
        actions.db.store.cache_clear()
    assert "je ne peux pas enregistrer votre demande pour le moment" in text.lower()
    # still awaiting consent: a later "oui" retries
    assert [(e["name"], e["value"]) for e in events] == [("awaiting", "consent_candidate")]


def test_my_data_then_delete(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    consent_yes(dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon"))
    _, text, _ = run(ActionShowMyData(), {}, intent="my_data")
    assert "Sarah" in text and "par téléphone : 0612345678" in text
    # In words the person reads: answers, status and consent, not the storage's field names.
    assert "Diplôme d'État d'aide-soignant" in text and "Rhône (69)" in text and "34 ans" in text
    assert "en attente de la réponse du porteur" in text or "pas encore transmise" in text
    assert "Votre accord, donné le" in text and "channel_id" not in text and "None" not in text
    # A "oui" that answers another question (asked since) erases nothing and asks again.
    events, text, _ = run(ActionDeleteMyData(), {"awaiting": "delete_confirmation"},
                          events=said_yes_after("action_confirm_deletion", "action_listen")[:-1]
                          + said_yes_after("action_answer_faq", "action_listen"))
    assert "je vous repose la question" in text and count(database, Consent) == 1
    assert [(e["name"], e["value"]) for e in events] == [("awaiting", "delete_confirmation")]
    events, text, _ = run(ActionDeleteMyData(), {"awaiting": "delete_confirmation"},
                          events=said_yes_after("action_confirm_deletion", "action_listen"))
    assert "C'est fait" in text and "historique" in text
    assert (events[0]["name"], events[0]["value"]) == ("forget_conversation", True)
    _, text, _ = run(ActionShowMyData(), {}, intent="my_data")
    assert "aucune donnée" in text
    assert count(database, Lead) == 1  # kept anonymised for statistics
    with database.transaction() as s:
        assert s.scalars(select(Lead)).one().person_id is None or s.get(
            Person, s.scalars(select(Lead)).one().person_id).first_name is None


def test_my_data_asked_at_the_consent_question_answers_then_asks_it_again(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    slots = dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon")
    _, _, messages = run(ActionShowMyData(), slots, intent="my_data")
    assert "aucune donnée" in messages[0]["text"] and count(database, Person) == 0
    assert messages[1]["text"].startswith("Ma question reste posée. Avant d'enregistrer quoi que ce soit")
    assert [b["payload"] for b in messages[1]["buttons"]] == ["/affirm", "/deny"]
    # The « oui » that follows answers it: the lead is stored.
    _, text, _ = run(ActionStoreLead(), slots, events=said_yes_after("action_show_my_data", "action_listen"))
    assert count(database, Lead) == 1 and "je vous repose la question" not in text.lower()
    # Without a question open, « mes données » asks nothing.
    assert len(run(ActionShowMyData(), {}, intent="my_data")[2]) == 1


@pytest.mark.parametrize("text", ["qui a accès à mes infos ?", "mes données sont transmises à qui ?",
                                  "qui peut voir ce que je vous dis", "qu'allez-vous faire de mon mail ?"])
def test_who_sees_my_data_gets_the_personal_data_answer_rather_than_the_data_stored(database, monkeypatch, text):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    slots = dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon")
    _, _, messages = run(ActionShowMyData(), slots, text=text, intent="my_data")
    assert "ne sont transmises à un porteur de projet que si vous le demandez" in messages[0]["text"]
    assert "Source : CNIL" in messages[0]["text"] and "aucune donnée" not in messages[0]["text"]
    assert messages[1]["text"].startswith("Ma question reste posée.")  # the consent question stays open
    _, _, messages = run(ActionShowMyData(), {}, text="montrez-moi mes données", intent="my_data")
    assert "aucune donnée" in messages[0]["text"] and len(messages) == 1


def test_a_deletion_cancelled_right_after_it_closed_a_check_takes_the_check_up_again():
    asked_during_the_check = [
        {"event": "active_loop", "name": "prescreen_form"},
        {"event": "user", "text": "supprimer mes données"},
        {"event": "action", "name": "action_deactivate_loop"}, {"event": "active_loop", "name": None},
        {"event": "action", "name": "action_confirm_deletion"},
        {"event": "user", "text": "non"},
    ]
    events, text, _ = run(ActionKeepMyData(), {"awaiting": "delete_confirmation"}, intent="deny",
                          events=asked_during_the_check)
    assert text == "D'accord, je ne supprime rien. Reprenons là où nous en étions."
    assert {"event": "followup", "name": "prescreen_form", "timestamp": None} in events
    # Asked outside a check, the « non » ends with the menu.
    outside = [{"event": "user", "text": "supprimer mes données"}, {"event": "action", "name": "action_confirm_deletion"},
               {"event": "user", "text": "non"}]
    events, text, messages = run(ActionKeepMyData(), {"awaiting": "delete_confirmation"}, intent="deny",
                                 events=outside)
    assert text == "D'accord, je ne supprime rien." and messages[0]["buttons"]
    assert not [e for e in events if e["event"] == "followup"]


def test_another_person_sees_nothing_of_the_first(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    consent_yes(dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon"))
    _, text, _ = run(ActionShowMyData(), {}, intent="my_data", sender="tg:99")
    assert "aucune donnée" in text


def test_employer_verdicts(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    _, text, _ = run(ActionEmployerVerdict(), {"employer_kind": "private", "sector": "sanitaire_social",
                                               "target": "RNCP35830", "hires": 2, "department": "69"})
    assert "Vous pouvez recruter" in text and "9" in text
    assert text.count("2 000 €") == 1  # the aid is said once, the full list of aids is a button away
    _, text, _ = run(ActionEmployerVerdict(), {"employer_kind": "public", "sector": "sanitaire_social",
                                               "target": "RNCP35830", "hires": 2, "department": "69"})
    assert "ne pouvez pas recruter" in text and "priv" in text
    # Asked as soon as the kind is known: the reason, what to do instead, and nothing about costs or unknowns.
    _, text, _ = run(ActionEmployerVerdict(), {"employer_kind": "public"})
    assert "ne pouvez pas recruter" in text and "VAE classique" in text
    assert "Coût et aides" not in text and "?" not in [line[:1] for line in text.splitlines()]


@pytest.mark.parametrize(("age", "bracket"), [(16, "16-17 ans"), (25, "18-25 ans"), (26, "26-44 ans"),
                                              (60, "45 ans et plus"), (None, "âge non précisé"), (15, "moins de 16 ans")])
def test_age_brackets(age, bracket):
    assert age_bracket(age) == bracket


def test_starting_a_form_forgets_the_previous_answers_and_the_pending_question():
    from actions.leads import ActionResetForms

    events, _, _ = run(ActionResetForms(), {"age": 34, "requested_slot": "target", "awaiting": "consent_candidate"})
    reset = {e["name"]: e["value"] for e in events}
    assert reset["requested_slot"] is None and reset["age"] is None and reset["awaiting"] is None
    assert "forget_conversation" not in reset  # starting a form keeps the conversation history


def test_leaving_a_form_also_erases_the_answers_from_the_conversation_history():
    from actions.leads import ActionResetForms

    for intent in ("stop", "goodbye"):
        events, _, _ = run(ActionResetForms(), {"age": 34, "contact_value": "0612345678", "requested_slot": "first_name"},
                           intent=intent)
        assert (events[0]["name"], events[0]["value"]) == ("forget_conversation", True)
        reset = {e["name"]: e["value"] for e in events[1:]}
        assert reset["contact_value"] is None and reset["age"] is None and reset["requested_slot"] is None


@pytest.mark.parametrize(("text", "confidence"), [("👎", 0.43), ("c'est bon", 0.55), ("👍", 0.95)])
def test_an_unsure_yes_or_a_yes_without_words_stores_nothing_and_asks_the_consent_again(database, monkeypatch, text,
                                                                                         confidence):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    slots = dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon")
    events, said, messages = consent_yes(slots, text=text, confidence=confidence)
    assert count(database, Person) == count(database, Consent) == count(database, Lead) == 0
    assert "je vous repose la question" in said and [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert [(e["name"], e["value"]) for e in events] == [("awaiting", "consent_candidate")]
    # A clear yes in words stores it.
    consent_yes(slots, text="d'accord", confidence=0.9)
    assert count(database, Consent) == count(database, Lead) == 1


def test_an_unsure_yes_to_the_deletion_question_erases_nothing(database, monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    consent_yes(dict(CANDIDATE, awaiting="consent_candidate", matched_sponsor="demo-of-sante-lyon"))
    events, text, _ = run(ActionDeleteMyData(), {"awaiting": "delete_confirmation"}, text="👎", confidence=0.43,
                          events=said_yes_after("action_confirm_deletion", "action_listen"))
    assert "je vous repose la question" in text and count(database, Consent) == 1
    assert [(e["name"], e["value"]) for e in events] == [("awaiting", "delete_confirmation")]
