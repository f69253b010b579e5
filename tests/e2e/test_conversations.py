"""Whole conversations over the REST channel with the real Rasa server, action server and database."""

import sqlite3
import uuid

import pytest
from sqlalchemy import select

from storage import Store
from storage.models import Consent, EmployerLead, Lead, Outbox, Person

pytestmark = pytest.mark.e2e


@pytest.fixture
def on_date(live_stack):
    """Run a test with the action server's clock at a given date, then put it back."""
    dates = []

    def set_date(day: str):
        dates.append(day)
        live_stack.restart_actions(day)

    yield set_date
    if dates:
        live_stack.restart_actions("2026-11-26")


def talk(live_stack, sender, *messages) -> str:
    return "\n".join(live_stack.reply_text(sender, message) for message in messages)


def stored(live_stack, sender_chat_id):
    store = Store(live_stack.database_url)
    try:
        with store.transaction() as s:
            person = s.scalars(select(Person).where(Person.channel_id == sender_chat_id)).one_or_none()
            if person is None:
                return None, [], [], []
            leads = list(s.scalars(select(Lead).where(Lead.person_id == person.id)))
            outbox = list(s.scalars(select(Outbox).where(Outbox.lead_id.in_([lead.id for lead in leads]))))
            consents = list(s.scalars(select(Consent).where(Consent.person_id == person.id)))
            return person, leads, outbox, consents
    finally:
        store.dispose()


def candidate_answers():
    return ["/start_prescreen", "34", '/inform{"situation":"job_seeker"}', "aide soignante", "Lyon",
            "par téléphone", "06 12 34 56 78", "Sarah"]


def test_candidate_from_hello_to_a_stored_lead_with_its_outbox_row(live_stack, on_date):
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    assert talk(live_stack, sender, "bonjour")
    text = talk(live_stack, sender, *candidate_answers())
    assert "vous remplissez les conditions" in text
    assert "Êtes-vous d'accord ?" in text
    assert stored(live_stack, chat_id)[0] is None  # nothing stored before consent

    text = talk(live_stack, sender, "oui")
    assert "c'est enregistré" in text
    person, leads, outbox, consents = stored(live_stack, chat_id)
    assert person.first_name == "Sarah" and person.contact_value == "0612345678"
    assert len(leads) == 1 and leads[0].verdict == "eligible" and leads[0].status == "new"
    assert len(outbox) == 1 and outbox[0].kind == "lead_new" and outbox[0].recipient_kind == "sponsor"
    assert len(consents) == 1 and consents[0].version


def test_a_yes_after_a_question_in_between_is_not_taken_as_consent(live_stack, on_date):
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    assert "Êtes-vous d'accord ?" in talk(live_stack, sender, *candidate_answers())
    talk(live_stack, sender, "/faq_salary", "/thanks")  # "... Avez-vous une autre question ?"
    text = talk(live_stack, sender, "oui")
    assert "je vous repose la question" in text and stored(live_stack, chat_id)[0] is None
    assert "c'est enregistré" in talk(live_stack, sender, "oui")
    assert len(stored(live_stack, chat_id)[1]) == 1


def test_an_emoji_at_the_consent_question_is_no_consent(live_stack, on_date):
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    assert "Êtes-vous d'accord ?" in talk(live_stack, sender, *candidate_answers())
    for unclear in ("👎", "👍"):
        text = talk(live_stack, sender, unclear)
        assert "Êtes-vous d'accord ?" in text and stored(live_stack, chat_id)[0] is None
    assert "c'est enregistré" in talk(live_stack, sender, "oui")


def test_the_prescreen_opens_with_its_first_question_alone(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    assert talk(live_stack, sender, "/start_prescreen").strip() == "Commençons. Quel âge avez-vous ? (en chiffres, par exemple 34)"


def test_what_a_candidate_says_outside_any_question_opens_a_prescreen_that_does_not_ask_it_again(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    [offer] = live_stack.say(sender, '/inform{"age":"45","situation":"job_seeker","certification":"RNCP35830"}')
    assert "vous est accessible" in offer["text"]
    opening = offer["buttons"][0]["payload"]
    assert opening.startswith("/start_prescreen{")
    text = talk(live_stack, sender, opening)
    assert "Je reprends ce que vous m'avez indiqué : 45 ans, demandeur d'emploi" in text
    assert "Quel âge" not in text and "Dans quel département" in text  # the next question not answered yet
    assert "contacté(e)" in talk(live_stack, sender, "Lyon")
    # Typed "oui" instead of the button: the same answers are reused.
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    assert "Voulez-vous commencer ?" in talk(live_stack, sender, '/inform{"age":"45"}')
    text = talk(live_stack, sender, "oui")
    assert "Je reprends ce que vous m'avez indiqué : 45 ans" in text and "situation" in text
    # Once a FAQ came in between, "oui" no longer answers the offer.
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, '/inform{"age":"45"}', "/faq_salary")
    assert talk(live_stack, sender, "oui").startswith("D'accord.")
    # Nor after "merci" ("Avec plaisir ! Avez-vous une autre question ?"): the yes answers that question.
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, '/inform{"age":"45"}', "/thanks")
    assert talk(live_stack, sender, "oui").startswith("D'accord. Dites-moi si vous avez une autre question")
    assert "SMIC" in talk(live_stack, sender, "/faq_salary")  # and the conversation goes on


def test_a_greeting_that_describes_a_structure_gets_the_offer_and_a_yes_opens_the_employer_check(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    text = talk(live_stack, sender, "bonjour, nous sommes une association du Rhône")
    assert "votre structure peut recruter" in text
    text = talk(live_stack, sender, "oui")
    assert "Je reprends ce que vous m'avez indiqué : association" in text and "Rhône (69)" in text


def test_an_offer_answered_with_a_detail_starts_the_check_with_everything_said(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    assert "votre structure peut recruter" in talk(live_stack, sender, '/inform{"employer_kind":"association"}')
    text = talk(live_stack, sender, '/inform{"department":"Rhône"}')
    assert "Je reprends ce que vous m'avez indiqué : association, Rhône (69)" in text
    assert "Dans quel secteur recrutez-vous ?" in text and "Voulez-vous commencer" not in text
    assert "Pour quel métier" in talk(live_stack, sender, "/inform{\"sector\":\"btp\"}")


def test_a_question_about_oneself_is_answered_then_a_yes_opens_the_prescreen_with_what_was_said(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    text = talk(live_stack, sender, "j'ai 52 ans, c'est possible pour moi ?")
    assert "16 ans" in text and "si un parcours vous est accessible ?" in text
    text = talk(live_stack, sender, "oui")
    assert "Je reprends ce que vous m'avez indiqué : 52 ans" in text and "situation" in text


def test_an_employers_question_from_a_structure_is_answered_then_a_yes_opens_the_employer_check(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    text = talk(live_stack, sender, "notre entreprise de transport voudrait recruter 3 chauffeurs, comment faire ?")
    assert "si votre structure peut recruter en VAE inversée ?" in text
    text = talk(live_stack, sender, "oui")
    assert "Je reprends ce que vous m'avez indiqué : entreprise privée" in text and "3 recrutements" in text
    assert "Pour quel métier" in text


def test_a_message_not_understood_that_describes_a_candidate_gets_the_offer_and_a_yes_reuses_it(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    text = talk(live_stack, sender, "je suis maman au foyer, 38 ans, je voudrais reprendre un travail dans la "
                                    "petite enfance")
    assert "si un parcours de VAE inversée vous est accessible" in text
    text = talk(live_stack, sender, "oui")
    assert "Je reprends ce que vous m'avez indiqué : 38 ans" in text


def test_a_faq_question_in_the_middle_comes_back_to_the_same_step(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, "/start_prescreen", "34")
    text = talk(live_stack, sender, "/faq_salary")
    assert "SMIC" in text
    assert "situation" in text.lower()  # the pending question is asked again


def test_bad_answers_are_asked_again(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    text = talk(live_stack, sender, "/start_prescreen", "150 ans")
    assert "entre 0 et 120" in text
    text = talk(live_stack, sender, "abc")
    assert "en chiffres" in text and "Quel âge avez-vous" in text and "Commençons" not in text  # asked again
    assert "situation" in talk(live_stack, sender, "dix-sept ans").lower()


def test_a_mistyped_address_is_told_how_to_write_it_not_called_out_of_scope(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, *candidate_answers()[:5], "par e-mail")
    text = talk(live_stack, sender, "sofia@")
    assert "Je n'ai pas reconnu une adresse e-mail" in text and "Je ne peux pas vous aider" not in text
    assert "quel prénom" in talk(live_stack, sender, "sofia@example.org")


def test_a_city_given_at_the_job_question_is_kept_as_the_department_which_is_not_asked_again(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, "/start_prescreen", "34", '/inform{"situation":"job_seeker"}')
    text = talk(live_stack, sender, "Lyon")
    assert "Rhône (69)" in text and "Quel métier ou quel diplôme" in text and "Garder" not in text
    text = talk(live_stack, sender, "aide soignante")
    assert "comment préférez-vous être contacté(e)" in text and "département" not in text


def test_a_bare_number_answers_the_question_asked_and_a_stated_age_corrects_the_age(live_stack, on_date):
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    talk(live_stack, sender, "/start_prescreen", "52", '/inform{"situation":"job_seeker"}', "aide soignante")
    text = talk(live_stack, sender, "75")  # the department asked, not an age
    assert "au lieu de" not in text and "contacté(e)" in text
    text = talk(live_stack, sender, "en fait j'ai 45 ans")
    assert "45 ans (au lieu de 52 ans)" in text and "contacté(e)" in text
    talk(live_stack, sender, "par message ici", "passer", "oui")
    [lead] = stored(live_stack, chat_id)[1]
    assert lead.profile["age"] == 45 and lead.profile["department"] == "75"


def test_a_choice_not_understood_is_said_once_and_asked_again_with_one_set_of_buttons(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, "/start_prescreen", "34")
    replies = live_stack.say(sender, '/inform{"situation":"astronaute"}')
    assert replies[0]["text"] == "Je n'ai pas compris votre situation."
    assert [r["text"] for r in replies if r.get("buttons")] == ["Quelle est votre situation aujourd'hui ?"]


def test_under_16_the_verdict_comes_at_once_with_its_reason_only(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    text = talk(live_stack, sender, "/start_prescreen", "15")
    assert "vous ne remplissez pas toutes les conditions" in text and "au moins 16 ans" in text
    assert "situation" not in text and "n'est pas indiqué" not in text  # no more questions, no unknowns listed


def test_a_public_employer_gets_the_verdict_without_further_questions(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    text = talk(live_stack, sender, "/employer_check", '/inform{"employer_kind":"public"}')
    assert "ne pouvez pas recruter" in text and "secteur" not in text.lower()


def test_choices_of_sectors_then_certifications_are_not_followed_by_a_second_question(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, "/start_prescreen", "34", '/inform{"situation":"job_seeker"}')
    replies = live_stack.say(sender, "je ne sais pas")
    assert "Dans quel secteur" in replies[0]["text"] and replies[0]["buttons"]
    assert [r["text"] for r in replies[1:]] == ["Choisissez ci-dessus, ou écrivez directement le métier ou le diplôme visé."]
    replies = live_stack.say(sender, '/inform{"sector":"sanitaire_social"}')
    assert any('"RNCP35830"' in b["payload"] for b in replies[0]["buttons"])
    assert "Quel métier" not in " ".join(r["text"] for r in replies)
    # After a FAQ answer, the question itself comes back.
    assert "Quel métier ou quel diplôme visez-vous ?" in talk(live_stack, sender, "/faq_salary")


def conversation_history(live_stack, sender) -> list[str]:
    """The serialised events Rasa's tracker store keeps for this conversation."""
    with sqlite3.connect(live_stack.tracker_db) as db:
        return [data for (data,) in db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]


def mentions_the_person(history: list[str]) -> bool:
    return any(token in data for data in history
               for token in ("Sarah", "06 12 34 56 78", "0612345678", '"text": "34"'))


def test_refusing_consent_stores_nothing(live_stack, on_date):
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    talk(live_stack, sender, *candidate_answers())
    assert mentions_the_person(conversation_history(live_stack, sender))
    assert "je n'enregistre rien" in talk(live_stack, sender, "/deny")
    assert stored(live_stack, chat_id)[0] is None
    # the answers are gone from the conversation history too, and the conversation goes on
    assert not mentions_the_person(conversation_history(live_stack, sender))
    assert "36 mois" in talk(live_stack, sender, "/faq_duration")
    assert "Quel âge avez-vous" in talk(live_stack, sender, "/start_prescreen")


def test_my_data_asked_at_the_consent_question_then_yes_stores_the_lead(live_stack, on_date):
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    assert "Êtes-vous d'accord ?" in talk(live_stack, sender, *candidate_answers())
    text = talk(live_stack, sender, "/my_data")
    assert "aucune donnée" in text and "Ma question reste posée" in text
    assert "c'est enregistré" in talk(live_stack, sender, "oui")
    assert stored(live_stack, chat_id)[0].first_name == "Sarah"


def test_a_deletion_asked_during_a_check_then_cancelled_takes_the_check_up_again(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, "/start_prescreen", "34")
    assert "Voulez-vous vraiment supprimer" in talk(live_stack, sender, "/delete_my_data")
    text = talk(live_stack, sender, "/deny")
    assert "Reprenons là où nous en étions" in text and "Quelle est votre situation" in text
    assert "Quel métier" in talk(live_stack, sender, '/inform{"situation":"job_seeker"}')


def test_deleting_my_data_erases_the_conversation_history(live_stack, on_date):
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    talk(live_stack, sender, "bonjour", *candidate_answers())
    assert "c'est enregistré" in talk(live_stack, sender, "oui")
    assert "historique" in talk(live_stack, sender, "/delete_my_data")
    assert mentions_the_person(conversation_history(live_stack, sender))
    text = talk(live_stack, sender, "/affirm")
    assert "C'est fait" in text and "historique de notre conversation effacé" in text
    person, leads, _, _ = stored(live_stack, chat_id)
    assert person is None or person.first_name is None
    history = conversation_history(live_stack, sender)
    assert history and not mentions_the_person(history)
    assert not any('"event": "user"' in data for data in history)  # not even the "oui" that confirmed
    assert "36 mois" in talk(live_stack, sender, "/faq_duration")
    assert "aucune donnée" in talk(live_stack, sender, "/my_data")


def test_cancelling_the_deletion_keeps_the_history(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, "/faq_duration", "/delete_my_data")
    assert "je ne supprime rien" in talk(live_stack, sender, "/deny")
    assert any('"text": "/faq_duration"' in data for data in conversation_history(live_stack, sender))


def test_after_the_window_the_verdict_is_honest_and_a_lead_can_still_be_left(live_stack, on_date):
    on_date("2026-03-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    text = talk(live_stack, sender, *candidate_answers())
    assert "période pour signer un nouveau contrat est close" in text
    assert "28 février 2026" in text
    assert "c'est enregistré" in talk(live_stack, sender, "/affirm")
    _, leads, _, _ = stored(live_stack, chat_id)
    assert [lead.verdict for lead in leads] == ["window_closed"]


def test_employer_reaches_a_verdict(live_stack, on_date):
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    # The first question alone: no error message about questions not asked yet.
    assert talk(live_stack, sender, "/employer_check").strip() == "Quel type de structure êtes-vous ?"
    text = talk(live_stack, sender, '/inform{"employer_kind":"private"}',
                '/inform{"sector":"sanitaire_social"}', "aide-soignant", "2", "69")
    assert "Vous pouvez recruter" in text and "Étapes" in text
    assert "c'est enregistré" in talk(live_stack, sender, "/affirm")
    store = Store(live_stack.database_url)
    with store.transaction() as s:
        assert s.scalars(select(EmployerLead)).first() is not None
    store.dispose()


def test_an_unsure_stop_at_the_consent_question_asks_it_again(live_stack, on_date):
    # "/stop@0.27": read as stop with the confidence the NLU gives short gibberish such as "abc"
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    talk(live_stack, sender, *candidate_answers())
    text = talk(live_stack, sender, "/stop@0.27")
    assert "Je n'ai pas bien compris" in text and "Êtes-vous d'accord ?" in text and "j'arrête" not in text
    assert "c'est enregistré" in talk(live_stack, sender, "oui")
    assert len(stored(live_stack, chat_id)[1]) == 1


def test_a_sure_stop_at_the_consent_question_is_a_no(live_stack, on_date):
    on_date("2025-06-01")
    chat_id = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_id}"
    talk(live_stack, sender, *candidate_answers())
    assert "j'arrête" in talk(live_stack, sender, "/stop")
    assert not mentions_the_person(conversation_history(live_stack, sender))
    assert "c'est enregistré" not in talk(live_stack, sender, "oui")  # no question is open any more
    assert stored(live_stack, chat_id)[0] is None


def test_an_unsure_stop_with_no_question_open_asks_for_a_rephrasing(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    text = talk(live_stack, sender, "/faq_duration", "/stop@0.27")
    assert "Je ne suis pas sûr d'avoir compris" in text and "j'arrête" not in text
    assert "36 mois" in talk(live_stack, sender, "/faq_duration")


def test_start_over_outside_a_check_says_so_and_offers_the_menu(live_stack):
    # Rasa's action_restart says nothing unless the domain has an utter_restart.
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, "/faq_duration")
    messages = live_stack.say(sender, "/start_over")
    assert len(messages) == 1 and "nous repartons de zéro" in messages[0]["text"]
    assert "/start_prescreen" in [b["payload"] for b in messages[0]["buttons"]]
    assert "36 mois" in talk(live_stack, sender, "/faq_duration")


def test_asking_to_do_the_contract_again_gets_the_renewal_not_a_restart(live_stack):
    # « on peut le refaire ? » read as starting over (0.70) wiped the conversation; whatever the NLU reads now, the
    # answer is the renewal's, and the conversation goes on.
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    assert "renouveler" in talk(live_stack, sender, "/faq_renewal_failure")
    text = talk(live_stack, sender, "on peut le refaire ?")
    assert "renouveler le contrat" in text and "nous repartons de zéro" not in text
    # During a check, the same question leaves the answers given so far: the check asks its question again.
    talk(live_stack, sender, "/start_prescreen", "34")
    text = talk(live_stack, sender, "on peut le refaire ?")
    assert "renouveler le contrat" in text and "Quelle est votre situation" in text and "Quel âge" not in text


def test_stop_leaves_the_form(live_stack):
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    talk(live_stack, sender, "/start_prescreen", "34")
    assert "j'arrête" in talk(live_stack, sender, "/stop")
    assert not mentions_the_person(conversation_history(live_stack, sender))  # "je n'enregistre rien"
    assert "36 mois" in talk(live_stack, sender, "/faq_duration")


def test_the_sqlite_conversation_store_keeps_conversations_in_wal_mode(live_stack):
    # scripts/erasing_tracker_store.py: pooled connections, commits that do not wait for the disk
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    assert "36 mois" in talk(live_stack, sender, "/faq_duration")
    with sqlite3.connect(live_stack.tracker_db) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert any('"text": "/faq_duration"' in data for data in conversation_history(live_stack, sender))


def test_the_salary_is_computed_for_an_age_in_the_question_or_said_just_after(live_stack):
    # Clock of the live stack: 26 November 2026, SMIC of 1 823,03 € a month since 1 January 2026.
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    assert "1 002,67 €" in talk(live_stack, sender, "c'est quoi le salaire pour quelqu'un de 19 ans ?")
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    assert "Indiquez un âge" in talk(live_stack, sender, "/faq_salary")
    text = talk(live_stack, sender, "j'ai 23 ans")
    assert "70 % du SMIC, soit 1 276,12 €" in text and "Voulez-vous commencer" not in text
    # Further ages, however the NLU reads them (« et à 27 ans ? » looks like the question of who may sign).
    assert "100 % du SMIC, soit 1 823,03 €" in talk(live_stack, sender, "et à 27 ans ?")
    assert "À 19 ans" in talk(live_stack, sender, "et à 19 ?")


def test_a_job_outside_the_catalogue_kept_as_said_reaches_the_sponsor_or_the_general_queue(live_stack, on_date):
    on_date("2025-06-01")

    def keep_cariste(sender, *before):
        talk(live_stack, sender, "/start_prescreen", "34", '/inform{"situation":"job_seeker"}', *before)
        reply, *follow_up = live_stack.say(sender, "cariste")
        assert "Je ne trouve pas « cariste »" in reply["text"]
        assert [r["text"] for r in follow_up] == ["Choisissez ci-dessus, ou écrivez directement le métier ou le diplôme visé."]
        assert "département" in talk(live_stack, sender, reply["buttons"][-1]["payload"])

    # Sector unknown: no sponsor can be said to cover the job; the lead goes to the operators' general queue.
    chat_id = str(uuid.uuid4().int % 10**9)
    keep_cariste(f"tg:{chat_id}")
    text = talk(live_stack, f"tg:{chat_id}", "Lyon", "par message ici", "passer")
    assert "« cariste » n'est pas dans notre catalogue" in text and "l'équipe qui gère cet assistant" in text
    talk(live_stack, f"tg:{chat_id}", "oui")
    _person, leads, outbox, _consents = stored(live_stack, chat_id)
    assert len(leads) == 1 and leads[0].profile["target"] == "cariste" and leads[0].sponsor_id is None and outbox == []
    # Sector chosen first ("je ne sais pas", then logistics): a sponsor of that sector gets it, marked to check.
    chat_id = str(uuid.uuid4().int % 10**9)
    keep_cariste(f"tg:{chat_id}", "je ne sais pas", '/inform{"sector":"logistique"}')
    text = talk(live_stack, f"tg:{chat_id}", "Lille", "par message ici", "passer")
    assert "GEIQ" in text and "Êtes-vous d'accord ?" in text
    talk(live_stack, f"tg:{chat_id}", "oui")
    _person, leads, outbox, _consents = stored(live_stack, chat_id)
    assert len(leads) == 1 and len(outbox) == 1
    assert outbox[0].payload["summary"]["certification"] == "cariste (hors catalogue, à vérifier)"
