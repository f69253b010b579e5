"""Conversations through the real python-telegram-bot client, the fake Bot API and a fake Rasa channel."""

from __future__ import annotations

import asyncio

import httpx
from conftest import wait_for
from fakebotapi import callback, message, my_chat_member
from telegram import Update

from bot.language import WORDLESS_REPLY
from bot.telegram_app import (
    CONTACT,
    EDITED,
    LOCATION,
    ONLY_TEXT,
    PRIVATE_ONLY,
    SLOW_DOWN,
    SORRY,
    STICKER,
    TYPING_AFTER,
    UNKNOWN_COMMAND,
    webhook_options,
)

CHAT = 5001


async def test_commands_are_registered_in_french_and_start_offers_the_roles(api, rasa, chat_store, make_bot):
    await make_bot(chat_store)
    commands = {c["command"]: c["description"] for c in api.commands["default"]}
    assert list(commands) == ["start", "aide", "eligibilite", "employeur", "mes_donnees",
                              "supprimer_mes_donnees", "annuler"]
    assert commands["eligibilite"] == "Vérifier si vous pouvez en bénéficier"

    api.push(message(CHAT, "/start"))
    await wait_for(lambda: api.texts(CHAT))
    assert rasa.received[0]["sender"] == f"tg:{CHAT}"
    assert rasa.received[0]["message"] == "/greet"
    assert rasa.received[0]["metadata"] == {"language_code": "fr"}
    # Rasa's greeting and the choice of role arrive as one message, the roles as its buttons.
    await asyncio.sleep(0.2)
    [greeting] = api.sent(CHAT)
    roles = greeting.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in roles] == ["/start_prescreen", "/employer_check", "/sponsor_info"]


async def test_each_command_maps_to_its_rasa_payload(api, rasa, chat_store, make_bot):
    await make_bot(chat_store)
    for command in ["/aide", "/eligibilite", "/employeur", "/mes_donnees", "/supprimer_mes_donnees",
                    "/annuler", "/aide@vae_test_bot"]:
        api.push(message(CHAT, command))
    await wait_for(lambda: len(rasa.received) == 7)
    assert rasa.messages() == ["/help", "/start_prescreen", "/employer_check", "/my_data", "/delete_my_data",
                               "/stop", "/help"]
    api.push(message(CHAT, "/inconnue"))
    await wait_for(lambda: UNKNOWN_COMMAND in api.texts(CHAT))
    assert len(rasa.received) == 7


async def test_buttons_and_every_callback_query_is_answered(api, rasa, chat_store, make_bot):
    long_payload = '/inform{"certification": "RNCP4495", "department": "93", "situation": "job_seeker"}'
    rasa.reply = lambda s, m, md: [{"text": "Choisissez", "buttons": [
        {"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"},
        {"title": "Aide-soignant·e, 93", "payload": long_payload}]}]
    await make_bot(chat_store)
    api.push(message(CHAT, "bonjour"))
    await wait_for(lambda: api.sent(CHAT))
    rows = api.sent(CHAT)[0].params["reply_markup"]["inline_keyboard"]
    data = [button["callback_data"] for row in rows for button in row]
    assert data[:2] == ["/affirm", "/deny"]
    assert all(len(d.encode()) <= 64 for d in data) and data[2].startswith("k:")

    api.push(callback(CHAT, data[2]))
    api.push(callback(CHAT, "k:forgotten"))  # a short id from before a restart
    api.push(callback(CHAT, "/affirm"))
    await wait_for(lambda: len(api.called("answerCallbackQuery")) == 3 and len(rasa.received) == 3)
    assert rasa.messages()[1:] == [long_payload, "/affirm"]
    alerts = [c.params for c in api.called("answerCallbackQuery") if c.params.get("text")]
    assert len(alerts) == 1 and "plus valable" in alerts[0]["text"]
    # A forgotten short id under a keyboard Telegram sends back: the pressed button's title goes, as if typed.
    keyboard = [{"text": "Oui", "callback_data": "/affirm"},
                {"text": "Vérifier si je suis concerné(e)", "callback_data": "k:fromlastweek"}]
    api.push(callback(CHAT, "k:fromlastweek", keyboard=keyboard))
    await wait_for(lambda: len(rasa.received) == 4)
    assert rasa.messages()[-1] == "Vérifier si je suis concerné(e)"


async def test_text_is_escaped_and_long_answers_are_split(api, rasa, chat_store, make_bot):
    paragraph = "Un paragraphe <important> & utile. " * 30
    rasa.reply = lambda s, m, md: [{"text": "\n\n".join([paragraph] * 8), "buttons": [
        {"title": "Suite", "payload": "/help"}]}]
    await make_bot(chat_store)
    api.push(message(CHAT, "une longue réponse"))
    await wait_for(lambda: len(api.sent(CHAT)) >= 2)
    await asyncio.sleep(0.1)
    sent = api.sent(CHAT)
    assert len(sent) == 3
    assert all(len(c.text) <= 4096 and c.params["parse_mode"] == "HTML" for c in sent)
    assert "&lt;important&gt; &amp; utile" in sent[0].text and "<important>" not in sent[0].text
    assert all(not c.text.startswith("\n") for c in sent)
    assert "reply_markup" not in sent[0].params and sent[-1].params["reply_markup"]


async def test_typing_indicator_while_rasa_works(api, rasa, chat_store, make_bot):
    async def slow(sender, message, metadata):
        await asyncio.sleep(TYPING_AFTER + 0.5)
        return [{"text": "voilà"}]

    rasa.reply = slow
    await make_bot(chat_store)
    api.push(message(CHAT, "question"))
    await wait_for(lambda: api.sent(CHAT))
    typing = api.called("sendChatAction")
    assert typing and typing[0].params["action"] == "typing"
    assert typing[0].at < api.sent(CHAT)[0].at


async def test_no_typing_indicator_for_a_quick_answer_and_one_message_per_turn(api, rasa, chat_store, make_bot):
    rasa.reply = lambda s, m, md: [{"text": "La réponse."}, {"text": "Source : décret n° 2023-408."},
                                   {"text": "Autre chose ?", "buttons": [{"title": "Menu", "payload": "/help"}]}]
    await make_bot(chat_store)
    api.push(message(CHAT, "question"))
    await wait_for(lambda: api.sent(CHAT))
    await asyncio.sleep(TYPING_AFTER + 0.3)
    assert api.called("sendChatAction") == []
    [sent] = api.sent(CHAT)
    assert "La réponse." in sent.text and "2023-408" in sent.text and sent.text.endswith("Autre chose ?")
    assert sent.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Menu"


async def test_messages_of_one_chat_keep_their_order_other_chats_do_not_wait(api, rasa, chat_store, make_bot):
    async def reply(sender, text, metadata):
        await asyncio.sleep(0.4 if text == "premier" else 0.01)
        return [{"text": f"réponse à {text}"}]

    rasa.reply = reply
    await make_bot(chat_store)
    api.push(message(CHAT, "premier"))
    api.push(message(CHAT, "second"))
    api.push(message(CHAT + 1, "autre chat"))
    await wait_for(lambda: len(api.texts(CHAT)) == 2)
    assert api.texts(CHAT) == ["réponse à premier", "réponse à second"]
    other = api.sent(CHAT + 1)[0]
    assert other.at < api.sent(CHAT)[0].at  # the other chat was not blocked by the slow one


async def test_flood_control_warns_once_and_does_not_forward(api, rasa, chat_store, make_bot):
    await make_bot(chat_store, flood_max=20, flood_window=10)
    for i in range(25):
        api.push(message(CHAT, f"message {i}"))
    api.push(callback(CHAT, "/affirm"))
    await wait_for(lambda: len(api.called("answerCallbackQuery")) == 1 and len(api.texts(CHAT)) >= 21)
    await asyncio.sleep(0.2)
    assert len(rasa.received) == 20
    assert api.texts(CHAT).count(SLOW_DOWN) == 1
    assert SLOW_DOWN[:50] in api.called("answerCallbackQuery")[0].params["text"]


async def test_groups_get_one_message_and_channel_posts_are_ignored(api, rasa, chat_store, make_bot):
    await make_bot(chat_store)
    group = {"id": -100123, "type": "supergroup", "title": "Un groupe"}
    for text in ["bonjour", "/start", "re"]:
        update = message(CHAT, text)
        update["message"]["chat"] = group
        api.push(update)
    api.push({"channel_post": {"message_id": 9, "date": 0, "chat": {"id": -100999, "type": "channel"},
                               "text": "annonce"}})
    await wait_for(lambda: api.sent(-100123))
    await asyncio.sleep(0.3)
    assert api.texts(-100123) == [PRIVATE_ONLY]
    assert api.sent(-100999) == [] and rasa.received == []


async def test_every_other_update_type_gets_a_polite_answer(api, rasa, chat_store, make_bot):
    await make_bot(chat_store)
    cases = [
        ({"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}, ONLY_TEXT),
        ({"document": {"file_id": "d", "file_unique_id": "d"}}, ONLY_TEXT),
        ({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}}, ONLY_TEXT),
        ({"video_note": {"file_id": "n", "file_unique_id": "n", "length": 1, "duration": 2}}, ONLY_TEXT),
        ({"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
                      "is_animated": False, "is_video": False}}, STICKER),
        ({"location": {"latitude": 48.85, "longitude": 2.35}}, LOCATION),
        ({"contact": {"phone_number": "+33600000000", "first_name": "A"}}, CONTACT),
    ]
    for i, (extra, _) in enumerate(cases):
        api.push(message(CHAT + i, **extra))
    edited = message(CHAT + 20, "bonjour modifié")
    api.push({"edited_message": {**edited["message"], "edit_date": 1}})
    api.push({"inline_query": {"id": "iq", "from": {"id": 1, "is_bot": False, "first_name": "A"}, "query": "x",
                               "offset": ""}})
    await wait_for(lambda: all(api.sent(CHAT + i) for i in range(len(cases))) and api.sent(CHAT + 20))
    for i, (_, expected) in enumerate(cases):
        assert api.texts(CHAT + i) == [expected]
    assert api.texts(CHAT + 20) == [EDITED]
    assert rasa.received == []


async def test_a_message_in_another_language_gets_an_answer_it_can_read(api, rasa, chat_store, make_bot):
    await make_bot(chat_store)
    api.push(message(CHAT, "¿hablas español? ¿qué es la VAE inversa?"))
    api.push(message(CHAT + 1, "bonjour"))
    await wait_for(lambda: api.sent(CHAT) and rasa.received)
    [reply] = api.texts(CHAT)
    assert reply.startswith("Je ne réponds qu'en français") and "solo puedo responder en francés" in reply
    assert [r["message"] for r in rasa.received] == ["bonjour"]


async def test_a_message_of_emoji_only_asks_for_words(api, rasa, chat_store, make_bot):
    await make_bot(chat_store)
    api.push(message(CHAT, "👍👍"))
    api.push(message(CHAT + 1, "bonjour"))
    await wait_for(lambda: api.sent(CHAT) and rasa.received)
    assert api.texts(CHAT) == [WORDLESS_REPLY]
    assert [r["message"] for r in rasa.received] == ["bonjour"]


async def test_an_update_delivered_twice_is_answered_once(api, rasa, chat_store, make_bot):
    # Both copies wait in the queue before the bot starts, so one getUpdates returns them together.
    first = api.push(message(CHAT, "34"))
    api.push({**message(CHAT, "34"), "update_id": first})
    api.push(message(CHAT, "Lyon"))
    await make_bot(chat_store)
    await wait_for(lambda: len(api.sent(CHAT)) == 2)
    await asyncio.sleep(0.3)  # a third reply would come now
    assert rasa.messages() == ["34", "Lyon"] and len(api.sent(CHAT)) == 2


async def test_rasa_down_gives_an_apology(api, rasa, chat_store, make_bot):
    rasa.status = 500
    await make_bot(chat_store)
    api.push(message(CHAT, "bonjour"))
    await wait_for(lambda: api.sent(CHAT))
    assert "joindre le serveur" in api.texts(CHAT)[0]


async def test_a_failing_send_does_not_stop_the_bot(api, rasa, chat_store, make_bot):
    api.fail("sendMessage", "500", chat_id=CHAT)
    await make_bot(chat_store)
    api.push(message(CHAT, "un"))
    await wait_for(lambda: len(api.sent(CHAT)) == 1)
    api.push(message(CHAT, "deux"))
    await wait_for(lambda: len(api.sent(CHAT)) == 2)
    assert api.texts(CHAT)[1] == "echo: deux"


async def test_blocking_is_noticed_from_my_chat_member(api, rasa, chat_store, make_bot):
    await make_bot(chat_store)
    api.push(my_chat_member(CHAT, "member", "kicked"))
    api.push(message(CHAT, "bonjour"))
    await wait_for(lambda: api.sent(CHAT))  # a message after unblocking is answered normally


async def test_webhook_mode_checks_the_secret_token(api, rasa, chat_store, make_bot):
    from bot.telegram_app import Settings

    harness = await make_bot(chat_store)
    await harness.app.updater.stop()  # from polling to webhook
    settings = Settings(token=api.token, webhook_url="https://bot.example.org/tg/hook", webhook_secret="s3cret",
                        webhook_port=0)
    options = webhook_options(settings)
    assert options["url_path"] == "tg/hook" and options["secret_token"] == "s3cret"
    options["port"] = port = _free_port()
    await harness.app.updater.start_webhook(**options)
    assert api.webhook["url"] == "https://bot.example.org/tg/hook" and api.webhook["secret_token"] == "s3cret"
    update = {"update_id": 77, **message(CHAT, "par webhook")}
    async with httpx.AsyncClient() as client:
        url = f"http://127.0.0.1:{port}/tg/hook"
        bad = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        assert bad.status_code == 403
        ok = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
        assert ok.status_code == 200
    await wait_for(lambda: api.texts(CHAT) == ["echo: par webhook"])
    assert Update.ALL_TYPES == options["allowed_updates"]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_retry_after_on_a_reply_is_waited_for_then_sent(api, rasa, chat_store, make_bot):
    api.fail("sendMessage", "429", chat_id=CHAT, retry_after=1)
    await make_bot(chat_store)
    api.push(message(CHAT, "bonjour"))
    await wait_for(lambda: len(api.sent(CHAT)) == 2, timeout=5)
    assert api.sent(CHAT)[1].at - api.sent(CHAT)[0].at >= 1.0
    assert api.texts(CHAT)[1] == "echo: bonjour"


async def test_callback_queries_are_answered_even_when_malformed_or_failing(api, rasa, chat_store, make_bot,
                                                                            monkeypatch):
    from bot import sponsors

    await make_bot(chat_store)
    api.push(callback(CHAT, "s:zz"))
    await wait_for(lambda: len(api.called("answerCallbackQuery")) == 1)

    async def broken(update, context):
        raise RuntimeError("bug")

    monkeypatch.setattr(sponsors, "on_sponsor_button", broken)
    api.push(callback(CHAT, "s:a:1"))
    await wait_for(lambda: len(api.called("answerCallbackQuery")) == 2 and api.sent(CHAT))
    assert api.texts(CHAT) == [SORRY]
