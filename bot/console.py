"""A terminal chat on the same stack as Telegram (same Rasa server, actions and storage).

Buttons are shown as numbered choices; typing the number sends the button's payload.
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO, TextIO

from bot.commands import command_payload
from bot.language import local_reply
from bot.rasa_client import BotMessage, Button, RasaClient, RasaUnavailable

MAX_MESSAGE_CHARS = 4000  # Telegram's own limit is 4096: behave the same in the console
PROMPT = "vous > "
BOT_PREFIX = "assistant > "
WELCOME = (
    "Assistant VAE inversée, en mode console. Écrivez votre question (ou « menu »).\n"
    "Les choix proposés sont numérotés : tapez leur numéro. Ctrl-D ou Ctrl-C pour quitter."
)
UNAVAILABLE = "Désolé, je ne parviens pas à joindre le serveur de dialogue pour le moment. Réessayez dans un instant."


def render_notification(recipient: str, kind: str, payload: dict) -> str:
    """An outbox row as its recipient would read it, for trying the whole path locally."""
    summary = payload.get("summary") or {}
    if kind == "lead_new":
        lines = [f"[notification pour le porteur {recipient}] Nouvelle demande n° {payload.get('lead_id')}",
                 f"  {summary.get('initial', '-')}, {summary.get('age_bracket', '-')}, {summary.get('certification', '-')}, "
                 f"{summary.get('department', '-')}" + (f", {summary['situation']}" if summary.get("situation") else ""),
                 f"  {summary.get('verdict_label', payload.get('verdict', ''))}"]
        lines += [f"  • {condition}" for condition in summary.get("conditions", [])]
        lines.append("  (sur Telegram : boutons « Prendre en charge » / « Décliner »)")
        return "\n".join(lines)
    return f"[notification pour {recipient}] {kind} : {payload}"


class ConsoleOutbox:
    """Shows due outbox notifications in the terminal and marks them delivered (console mode only)."""

    def __init__(self, store) -> None:
        self.store = store

    def drain(self) -> list[str]:
        from storage import Sponsor, StorageError, claim_due_notifications, mark_delivered, utcnow

        shown = []
        try:
            with self.store.transaction() as session:
                claimed = claim_due_notifications(session, utcnow(), limit=20)
            for note in claimed:
                with self.store.transaction() as session:
                    sponsor = session.get(Sponsor, int(note.recipient_id)) if note.recipient_kind == "sponsor" else None
                    recipient = f"« {sponsor.name} »" if sponsor else f"{note.recipient_kind} {note.recipient_id}"
                    shown.append(render_notification(recipient, note.kind, note.payload))
                    mark_delivered(session, note.id, note.lease_token, utcnow())
        except StorageError:
            pass  # the chat goes on; undelivered notifications stay in the outbox
        return shown


def render_messages(messages: list[BotMessage]) -> tuple[str, list[Button]]:
    """Text to print, and the buttons in the order of their numbers."""
    lines: list[str] = []
    choices: list[Button] = []
    for message in messages:
        if message.text:
            lines.append(BOT_PREFIX + message.text.replace("\n", "\n" + " " * len(BOT_PREFIX)))
        for button in message.buttons:
            choices.append(button)
            lines.append(f"   {len(choices)}. {button.title}")
    if not lines:
        lines.append(BOT_PREFIX + "(pas de réponse)")
    return "\n".join(lines), choices


def resolve_choice(text: str, choices: list[Button]) -> str:
    """A number among the last choices becomes that button's payload; anything else is sent as typed."""
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1].payload
    return text


class ConsoleChat:
    def __init__(self, client, sender: str, stdin: BinaryIO, stdout: TextIO, outbox: ConsoleOutbox | None = None):
        self.client = client
        self.outbox = outbox
        self.sender = sender
        self.stdin = stdin
        self.stdout = stdout
        self.choices: list[Button] = []

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def read(self) -> str | None:
        """One line as text; None at end of input. Bytes that are not UTF-8 are replaced, never fatal."""
        self.stdout.write(PROMPT)
        self.stdout.flush()
        raw = self.stdin.readline()
        if not raw:
            return None
        return raw.decode("utf-8", errors="replace").strip()

    def handle(self, line: str) -> None:
        if not line:
            self.say("(Écrivez votre message, ou tapez le numéro d'un choix.)")
            return
        if len(line) > MAX_MESSAGE_CHARS:
            line = line[:MAX_MESSAGE_CHARS]
            self.say(f"(Message long : seuls les {MAX_MESSAGE_CHARS} premiers caractères sont pris en compte.)")
        line = command_payload(line) or line  # "/aide" as in Telegram
        if reply := local_reply(line):
            self.say(BOT_PREFIX + reply)
            return
        try:
            messages = self.client.send(self.sender, resolve_choice(line, self.choices))
        except RasaUnavailable:
            self.say(BOT_PREFIX + UNAVAILABLE)
            return
        text, self.choices = render_messages(messages)
        self.say(text)
        for notification in self.outbox.drain() if self.outbox else []:
            self.say(notification)

    def run(self) -> int:
        self.say(WELCOME)
        try:
            while (line := self.read()) is not None:
                self.handle(line)
        except KeyboardInterrupt:
            pass
        self.say("\nAu revoir !")
        return 0


def main() -> int:
    from bot.retention import purge_and_log, retention_days, tracker_store_url
    from storage import Store

    store = Store()
    # The consent text promises erasure after the retention period, in console mode too: a console session is
    # short, so once at start is enough.
    purge_and_log(store, tracker_store_url(), retention_days())
    client = RasaClient()
    sender = os.environ.get("CONSOLE_SENDER_ID", "console:local")
    try:
        return ConsoleChat(client, sender, sys.stdin.buffer, sys.stdout, ConsoleOutbox(store)).run()
    finally:
        client.close()
        store.dispose()
