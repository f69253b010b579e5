"""Sponsors on Telegram: invitation codes, their own leads only, accept / decline, the candidate told.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from conftest import wait_for
from fakebotapi import callback, message
from sqlalchemy import select
from tgseed import PHONE, add_lead, add_sponsor, lead_status, sponsor_row

from bot.sponsors import NOT_SPONSOR
from storage import AuditLog, create_sponsor_invite, get_or_create_person, record_consent
from storage.service import create_lead_with_notification

SPONSOR_CHAT, OTHER_SPONSOR_CHAT, CANDIDATE = 7001, 7002, 8001


def _invite(store, now, key="sp1"):
    with store.transaction() as s:
        return create_sponsor_invite(s, key, now)


async def test_invite_code_links_the_chat_once_and_expires(api, store, clock, make_bot):
    sponsor_id = add_sponsor(store, clock.now)
    code = _invite(store, clock.now)
    old_code = _invite(store, clock.now - timedelta(days=8))  # valid 7 days: expired
    await make_bot(store)

    api.push(message(SPONSOR_CHAT, "/porteur"))
    await wait_for(lambda: api.texts(SPONSOR_CHAT))
    assert "/porteur suivi du code" in api.texts(SPONSOR_CHAT)[0]

    api.push(message(SPONSOR_CHAT, f"/porteur {code.lower()}"))
    await wait_for(lambda: len(api.texts(SPONSOR_CHAT)) == 2)
    assert "Porteur sp1" in api.texts(SPONSOR_CHAT)[1]
    assert sponsor_row(store, sponsor_id).telegram_chat_id == SPONSOR_CHAT
    scoped = [c["command"] for c in api.commands[f"chat:{SPONSOR_CHAT}"]]
    assert "leads" in scoped and "start" in scoped

    api.push(message(OTHER_SPONSOR_CHAT, f"/porteur {code}"))  # works once
    api.push(message(OTHER_SPONSOR_CHAT + 1, f"/porteur {old_code}"))  # expired
    await wait_for(lambda: api.texts(OTHER_SPONSOR_CHAT) and api.texts(OTHER_SPONSOR_CHAT + 1))
    assert "pas valable" in api.texts(OTHER_SPONSOR_CHAT)[0]
    assert "pas valable" in api.texts(OTHER_SPONSOR_CHAT + 1)[0]
    assert sponsor_row(store, sponsor_id).telegram_chat_id == SPONSOR_CHAT


async def test_code_guessing_is_limited(api, store, make_bot):
    await make_bot(store)
    for i in range(7):
        api.push(message(SPONSOR_CHAT, f"/porteur BAD{i}"))
    await wait_for(lambda: len(api.texts(SPONSOR_CHAT)) == 7)
    assert sum("Trop d'essais" in t for t in api.texts(SPONSOR_CHAT)) == 2


async def test_a_sponsor_only_ever_sees_their_own_leads(api, store, clock, make_bot):
    mine = add_sponsor(store, clock.now, "mine", chat_id=SPONSOR_CHAT)
    theirs = add_sponsor(store, clock.now, "theirs", chat_id=OTHER_SPONSOR_CHAT)
    my_lead = add_lead(store, clock.now, mine, CANDIDATE)
    their_lead = add_lead(store, clock.now, theirs, CANDIDATE + 1)
    await make_bot(store)
    await wait_for(lambda: api.sent(SPONSOR_CHAT) and api.sent(OTHER_SPONSOR_CHAT))  # the two notifications
    assert f"n° {my_lead}" in api.texts(SPONSOR_CHAT)[0] and f"n° {their_lead}" not in api.texts(SPONSOR_CHAT)[0]

    api.push(message(SPONSOR_CHAT, "/leads"))
    await wait_for(lambda: len(api.texts(SPONSOR_CHAT)) == 2)
    listing = api.texts(SPONSOR_CHAT)[1]
    assert f"n° {my_lead}" in listing and f"n° {their_lead}" not in listing
    assert "places restantes : 4 sur 5" in listing

    api.push(message(SPONSOR_CHAT, f"/lead {their_lead}"))
    await wait_for(lambda: len(api.texts(SPONSOR_CHAT)) == 3)
    assert api.texts(SPONSOR_CHAT)[2] == f"Aucune demande n° {their_lead} parmi les vôtres."

    for data in (f"s:a:{their_lead}", f"s:x:{their_lead}", f"s:v:{their_lead}"):
        api.push(callback(SPONSOR_CHAT, data))
    api.push(callback(CANDIDATE, f"s:a:{my_lead}"))  # not a sponsor at all
    await wait_for(lambda: len(api.called("answerCallbackQuery")) == 4)
    answers = [c.params.get("text", "") for c in api.called("answerCallbackQuery")]
    assert sum("pas (ou plus) parmi les vôtres" in a for a in answers) == 3  # chats run concurrently
    assert sum(a.startswith(NOT_SPONSOR[:40]) for a in answers) == 1
    assert lead_status(store, their_lead) == "notified" and lead_status(store, my_lead) == "notified"
    assert not any(PHONE in t for t in api.texts(SPONSOR_CHAT))

    api.push(message(CANDIDATE, "/leads"))
    await wait_for(lambda: api.texts(CANDIDATE))
    assert api.texts(CANDIDATE) == [NOT_SPONSOR]


async def test_accept_reveals_the_contact_and_tells_the_candidate(api, store, clock, make_bot):
    sponsor_id = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT, name="GEIQ Exemple 93")
    lead_id = add_lead(store, clock.now, sponsor_id, CANDIDATE)
    await make_bot(store)
    note = (await wait_for(lambda: api.sent(SPONSOR_CHAT)))[0]
    assert "Nouvelle demande n°" in note.text and "M., 26-44 ans" in note.text and PHONE not in note.text
    assert "Mariam" not in note.text
    buttons = note.params["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Prendre en charge", "Décliner"]
    await wait_for(lambda: lead_status(store, lead_id) == "notified")

    api.push(callback(SPONSOR_CHAT, buttons[0]["callback_data"], message_id=note.params.get("message_id", 1)))
    edited = (await wait_for(lambda: api.called("editMessageText")))[0]
    assert PHONE in edited.text and "Mariam" in edited.text and "par téléphone" in edited.text
    assert "reply_markup" not in edited.params
    assert api.called("answerCallbackQuery")[0].params["text"] == "Demande prise en charge"
    told = (await wait_for(lambda: api.texts(CANDIDATE)))[0]
    assert "GEIQ Exemple 93" in told and "par téléphone" in told and str(lead_id) in told
    assert lead_status(store, lead_id) == "accepted"
    with store.transaction() as s:
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.subject == f"lead:{lead_id}")))
    assert "lead.accepted" in actions and "lead.contact_viewed" in actions

    api.push(callback(SPONSOR_CHAT, f"s:a:{lead_id}"))  # double click
    await wait_for(lambda: len(api.called("answerCallbackQuery")) == 2)
    assert "plus ouverte" in api.called("answerCallbackQuery")[1].params["text"]
    await asyncio.sleep(0.3)
    assert len(api.texts(CANDIDATE)) == 1  # told once

    api.push(message(SPONSOR_CHAT, f"/lead {lead_id}"))
    await wait_for(lambda: len(api.texts(SPONSOR_CHAT)) == 2)
    assert PHONE in api.texts(SPONSOR_CHAT)[1] and "prise en charge" in api.texts(SPONSOR_CHAT)[1]


async def test_decline_is_confirmed_then_the_candidate_is_told(api, store, clock, make_bot):
    sponsor_id = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT, capacity=2)
    lead_id = add_lead(store, clock.now, sponsor_id, CANDIDATE, preference="telegram", value=None)
    await make_bot(store)
    await wait_for(lambda: api.sent(SPONSOR_CHAT))
    api.push(callback(SPONSOR_CHAT, f"s:d:{lead_id}"))
    confirm = (await wait_for(lambda: api.called("editMessageReplyMarkup")))[0]
    assert [b["callback_data"] for b in confirm.params["reply_markup"]["inline_keyboard"][0]] == [
        f"s:x:{lead_id}", f"s:r:{lead_id}"]
    api.push(callback(SPONSOR_CHAT, f"s:r:{lead_id}"))  # "Non, revenir"
    back = (await wait_for(lambda: api.called("editMessageText")))[0]
    assert back.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"s:a:{lead_id}"
    assert lead_status(store, lead_id) == "notified"

    api.push(callback(SPONSOR_CHAT, f"s:x:{lead_id}"))
    await wait_for(lambda: lead_status(store, lead_id) == "declined")
    told = (await wait_for(lambda: api.texts(CANDIDATE)))[0]
    assert "pas pu être prise en charge" in told and "Porteur sp1" in told
    assert sponsor_row(store, sponsor_id).used == 0
    assert len(api.called("answerCallbackQuery")) == 3


async def test_whole_conversation_from_start_to_the_candidate_informed(api, rasa, store, clock, make_bot):
    """/start -> role -> pre-screen -> consent -> sponsor notification -> Prendre en charge -> candidate told.
    The fake Rasa stands in for the dialogue: on consent it writes the lead as the action server does."""
    sponsor_id = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT, name="OF Santé 93")
    script = {
        "/greet": [{"text": "Bonjour ! Je réponds à vos questions sur la VAE inversée."}],
        "/start_prescreen": [{"text": "Quel âge avez-vous ?"}],
        "34 ans": [{"text": "Quelle est votre situation ?", "buttons": [
            {"title": "Demandeur d'emploi", "payload": '/inform{"situation": "job_seeker"}'}]}],
        '/inform{"situation": "job_seeker"}': [{"text": "Quel métier visez-vous ?"}],
        "aide-soignante": [{"text": "Dans quel département ?"}],
        "93": [{"text": "Comment souhaitez-vous être contacté(e) ?"}],
        "par téléphone au 06 12 34 56 78": [{"text": "Vous êtes éligible sous conditions. J'envoie votre "
                                             "demande à OF Santé 93 ?", "buttons": [
            {"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]}],
    }

    def dialogue(sender, text, metadata):
        assert sender == f"tg:{CANDIDATE}"
        if text == "/affirm":
            with store.transaction() as s:
                person = get_or_create_person(s, "telegram", str(CANDIDATE), clock.now)
                person.first_name, person.contact_preference, person.contact_value = "Mariam", "phone", PHONE
                consent = record_consent(s, person, purpose="lead_to_sponsor", text="…", version="v1",
                                         now=clock.now)
                create_lead_with_notification(s, person, {"age": 34}, "eligible", sponsor_id, consent,
                                              now=clock.now, summary={"initial": "M.", "age_bracket": "26-44 ans"})
            return [{"text": "C'est transmis à OF Santé 93."}]
        return script[text]

    rasa.reply = dialogue
    await make_bot(store)
    api.push(message(CANDIDATE, "/start"))
    roles = (await wait_for(lambda: api.sent(CANDIDATE)))[0]  # the greeting, with the roles as buttons
    api.push(callback(CANDIDATE, roles.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]))
    await wait_for(lambda: "Quel âge avez-vous ?" in api.texts(CANDIDATE))
    for answer in ["34 ans"]:
        api.push(message(CANDIDATE, answer))
    situation = await wait_for(lambda: [c for c in api.sent(CANDIDATE) if "situation" in c.text])
    api.push(callback(CANDIDATE, situation[0].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]))
    for answer in ["aide-soignante", "93", "par téléphone au 06 12 34 56 78"]:
        api.push(message(CANDIDATE, answer))
    await wait_for(lambda: any("J'envoie" in t for t in api.texts(CANDIDATE)))
    api.push(callback(CANDIDATE, "/affirm"))
    note = (await wait_for(lambda: api.sent(SPONSOR_CHAT)))[0]
    assert "Nouvelle demande" in note.text and PHONE not in note.text
    api.push(callback(SPONSOR_CHAT, note.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]))
    await wait_for(lambda: any("Bonne nouvelle" in t for t in api.texts(CANDIDATE)))
    assert "OF Santé 93" in api.texts(CANDIDATE)[-1]
    assert rasa.messages()[:2] == ["/greet", "/start_prescreen"]
    assert len(api.called("answerCallbackQuery")) == 4
