"""Console chat: numbered buttons, awkward input, and a real HTTP exchange with a REST endpoint."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from bot.console import MAX_MESSAGE_CHARS, ConsoleChat, render_messages, resolve_choice
from bot.rasa_client import SILENT_TURN, BotMessage, Button, RasaClient, parse_reply


class FakeRestChannel:
    """A loopback HTTP server speaking Rasa's REST channel protocol; replies are set per test."""

    def __init__(self):
        self.received: list[dict] = []
        self.reply: list[dict] | str = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(json.loads(body))
                data = outer.reply if isinstance(outer.reply, str) else json.dumps(outer.reply)
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data.encode())

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/rest/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def rest():
    channel = FakeRestChannel()
    yield channel
    channel.close()


def chat_with(rest, raw_input: bytes):
    out = io.StringIO()
    client = RasaClient(rest.url, timeout=5)
    code = ConsoleChat(client, "console:test", io.BytesIO(raw_input), out).run()
    client.close()
    return code, out.getvalue()


def test_buttons_are_numbered_in_order_across_messages():
    messages = [
        BotMessage("Bonjour", [Button("Oui", "/affirm"), Button("Non", "/deny")]),
        BotMessage("Autre", [Button("Menu", "/help")]),
    ]
    text, choices = render_messages(messages)
    assert "   1. Oui" in text and "   2. Non" in text and "   3. Menu" in text
    assert [c.payload for c in choices] == ["/affirm", "/deny", "/help"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2", "/deny"), ("1", "/affirm"), ("3", "3"), ("0", "0"), ("deux", "deux"), ("-1", "-1")],
)
def test_a_number_selects_a_choice_only_when_it_exists(typed, expected):
    assert resolve_choice(typed, [Button("Oui", "/affirm"), Button("Non", "/deny")]) == expected


def test_typed_number_sends_the_payload_over_http(rest):
    rest.reply = [{"recipient_id": "x", "text": "Bonjour", "buttons": [{"title": "Durée", "payload": "/faq_duration"}]}]
    code, output = chat_with(rest, b"bonjour\n1\n")
    assert code == 0
    assert [r["message"] for r in rest.received] == ["bonjour", "/faq_duration"]
    assert all(r["sender"] == "console:test" for r in rest.received)
    assert "assistant > Bonjour" in output and "   1. Durée" in output


def test_empty_lines_are_not_sent(rest):
    code, output = chat_with(rest, b"\n   \n")
    assert code == 0 and rest.received == []
    assert output.count("Écrivez votre message") == 2


def test_a_message_in_another_language_is_answered_without_the_assistant(rest):
    rest.reply = [{"recipient_id": "x", "text": "Bonjour !"}]
    code, output = chat_with(rest, b"where can I find a job in Spain?\nbonjour\n")
    assert "only answer in French" in output and "Je ne réponds qu'en français" in output
    assert [r["message"] for r in rest.received] == ["bonjour"]


def test_a_message_without_words_is_answered_without_the_assistant(rest):
    rest.reply = [{"recipient_id": "x", "text": "D'accord."}]
    code, output = chat_with(rest, "😀🎉\n👍 oui\n".encode())
    assert output.count("Je ne lis que les mots") == 1
    assert [r["message"] for r in rest.received] == ["👍 oui"]


def test_the_telegram_commands_work_in_the_console(rest):
    rest.reply = [{"recipient_id": "x", "text": "Voici le menu."}]
    code, output = chat_with(rest, b"/aide\n/START\n/faq_duration\n")
    assert [r["message"] for r in rest.received] == ["/help", "/greet", "/faq_duration"]


def test_very_long_line_is_cut_and_the_user_told(rest):
    code, output = chat_with(rest, ("é" * 5000 + "\n").encode())
    assert len(rest.received[0]["message"]) == MAX_MESSAGE_CHARS
    assert "premiers caractères" in output


def test_non_utf8_bytes_do_not_crash(rest):
    rest.reply = [{"recipient_id": "x", "text": "Pardon ?"}]
    code, output = chat_with(rest, b"caf\xe9 \xff\xfe\n")
    assert code == 0
    assert rest.received[0]["message"].startswith("caf\ufffd")
    assert "Pardon ?" in output


def test_end_of_input_says_goodbye(rest):
    code, output = chat_with(rest, b"")
    assert code == 0 and "Au revoir" in output


def test_server_error_gets_a_polite_message_and_the_chat_goes_on(rest):
    rest.status = 500
    rest.reply = "oops"
    code, output = chat_with(rest, b"bonjour\nencore\n")
    assert code == 0
    assert output.count("je ne parviens pas à joindre") == 2


def test_unreachable_rasa_gets_a_polite_message():
    out = io.StringIO()
    client = RasaClient("http://127.0.0.1:9/webhooks/rest/webhook", timeout=2)
    ConsoleChat(client, "console:test", io.BytesIO(b"bonjour\n"), out).run()
    assert "je ne parviens pas à joindre" in out.getvalue()


def test_parse_reply_keeps_text_buttons_and_images_and_skips_junk():
    messages = parse_reply(
        [
            {"recipient_id": "a", "text": "Texte"},
            {"recipient_id": "a", "image": "https://exemple.fr/i.png"},
            {"recipient_id": "a", "buttons": [{"title": "T", "payload": "/p"}, {"title": "sans payload"}]},
            "junk",
            {"recipient_id": "a", "custom": {"x": 1}},
        ]
    )
    assert [m.text for m in messages] == ["Texte", "https://exemple.fr/i.png", ""]
    assert messages[2].buttons == [Button("T", "/p")]


def test_a_turn_where_rasa_says_nothing_still_gets_an_answer_and_the_menu(rest):
    rest.reply = []  # what Rasa answers to "recommencer" outside a check: its restart says nothing
    code, out = chat_with(rest, b"recommencer\n")
    assert code == 0 and "Que souhaitez-vous faire maintenant ?" in out and "Voir le menu" in out
    assert parse_reply([{"recipient_id": "a", "custom": {"x": 1}}]) == [SILENT_TURN]


def test_console_shows_a_new_lead_as_the_sponsor_would_see_it_once(tmp_path):
    from datetime import datetime, timezone

    from bot.console import ConsoleOutbox
    from storage import (
        Store,
        create_lead_with_notification,
        get_or_create_person,
        get_sponsor,
        migrate,
        record_consent,
        sync_sponsors_from_directory,
    )

    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate(url)
    store = Store(url)
    now = datetime(2025, 6, 1, tzinfo=timezone.utc)
    with store.transaction() as s:
        sync_sponsors_from_directory(s, [{"key": "sp", "name": "Exemple — GEIQ", "capacity": 3}], now)
        person = get_or_create_person(s, "console", "local", now)
        consent = record_consent(s, person, purpose="lead_candidate", text="…", version="1", now=now)
        summary = {"initial": "S.", "age_bracket": "26-44 ans", "certification": "DEAS (RNCP35830)",
                   "department": "69 — Rhône", "verdict_label": "Conditions remplies", "conditions": ["Avenant"]}
        create_lead_with_notification(s, person, {"age": 34}, "eligible", get_sponsor(s, "sp").id, consent,
                                      now=now, summary=summary)
    outbox = ConsoleOutbox(store)
    [shown] = outbox.drain()
    assert "« Exemple — GEIQ »" in shown and "S., 26-44 ans, DEAS (RNCP35830), 69 — Rhône" in shown
    assert "• Avenant" in shown
    assert outbox.drain() == []
    store.dispose()
