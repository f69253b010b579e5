"""Telegram rendering: safe HTML, splitting of long texts, inline keyboards and short callback data.

Pure functions (no network, no database) so they are easy to test.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rasa_client import BotMessage, Button

TEXT_LIMIT = 4096  # Telegram's limit for one message, in UTF-16 code units after entity parsing
CALLBACK_DATA_LIMIT = 64  # bytes
SEPARATORS = ("\n\n", "\n", " ")
_BOLD = re.compile(r"\*\*(\S(?:[^*\n]*\S)?)\*\*")


def merge_turn(messages: list[BotMessage]) -> list[BotMessage]:
    """Consecutive messages of one turn as one Telegram message, as long as no buttons stand between them.

    One notification instead of several, and fewer requests under Telegram's global cap of about 30 messages
    per second for a bot (which PTB's rate limiter enforces): an answer plus its source and a follow-up question
    was three sends. Buttons stay under the text they came with; long texts are split again when sent.
    """
    merged: list[BotMessage] = []
    for message in messages:
        if merged and not merged[-1].buttons and merged[-1].text.strip() and message.text.strip():
            merged[-1] = BotMessage(text=f"{merged[-1].text.rstrip()}\n\n{message.text.lstrip()}",
                                    buttons=message.buttons)
        else:
            merged.append(message)
    return merged


def to_html(text: str) -> str:
    """Escape everything Telegram's HTML mode would interpret; `**bold**` becomes bold."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), of the escaped text (an upper bound)."""
    return len(html.escape(text, quote=False).encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT, _level: int = 0) -> list[str]:
    """Cut a text into pieces that fit in one message: on paragraphs first, then lines, then words,
    and only as a last resort inside a word."""
    if telegram_length(text) <= limit:
        return [text] if text.strip() else []
    if _level == len(SEPARATORS):
        pieces, current = [], ""
        for char in text:
            if telegram_length(current + char) > limit:
                pieces.append(current)
                current = ""
            current += char
        return pieces + [current]
    sep = SEPARATORS[_level]
    pieces: list[str] = []
    current: str | None = None
    for part in text.split(sep):
        candidate = part if current is None else current + sep + part
        if telegram_length(candidate) <= limit:
            current = candidate
            continue
        if current is not None:
            pieces.append(current)
        if telegram_length(part) <= limit:
            current = part
        else:
            finer = split_text(part, limit, _level + 1)
            pieces.extend(finer[:-1])
            current = finer[-1] if finer else None
    if current is not None:
        pieces.append(current)
    return [piece.strip("\n") for piece in pieces if piece.strip()]


class CallbackMap:
    """Button payloads as callback data within 64 bytes.

    `/intent{...}` payloads that fit travel as they are (they survive a restart); other texts that fit
    get a `t:` prefix; longer payloads get a short id `k:<hash>` remembered here (the most recent
    `capacity` of them). Prefix `s:` is reserved for the sponsor buttons.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def encode(self, payload: str) -> str:
        if payload.startswith("/") and len(payload.encode()) <= CALLBACK_DATA_LIMIT:
            return payload
        if len(("t:" + payload).encode()) <= CALLBACK_DATA_LIMIT:
            return "t:" + payload
        key = "k:" + hashlib.sha256(payload.encode()).hexdigest()[:16]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.capacity:
            self._payloads.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        """The payload to send to Rasa, or None (unknown or forgotten short id)."""
        if data.startswith("/"):
            return data
        if data.startswith("t:"):
            return data[2:]
        return self._payloads.get(data)


def keyboard(buttons: list[Button], callbacks: CallbackMap) -> InlineKeyboardMarkup | None:
    """One button per row, except short answers (Oui / Non …) that share one row."""
    if not buttons:
        return None
    items = [InlineKeyboardButton(b.title[:64] or "…", callback_data=callbacks.encode(b.payload)) for b in buttons]
    if len(items) <= 4 and all(len(b.title) <= 12 for b in buttons):
        return InlineKeyboardMarkup([items])
    return InlineKeyboardMarkup([[item] for item in items])


# --- sponsor and candidate messages -------------------------------------------------------------

CONTACT_LABELS = {"phone": "par téléphone", "email": "par e-mail", "telegram": "sur Telegram"}


def lead_summary_html(lead_id: int, summary: dict, title: str | None = None) -> str:
    """The pseudonymous summary a sponsor sees (no name, no contact details)."""
    e = lambda value: html.escape(str(value), quote=False)  # noqa: E731
    lines = [f"<b>{e(title or 'Nouvelle demande')} n° {lead_id}</b>"]
    person = ", ".join(e(summary[k]) for k in ("initial", "age_bracket") if summary.get(k))
    if person:
        lines.append(f"Candidat·e : {person}")
    if summary.get("situation"):
        lines.append(f"Situation : {e(summary['situation'])}")
    if summary.get("certification"):
        lines.append(f"Certification visée : {e(summary['certification'])}")
    if summary.get("department"):
        lines.append(f"Département : {e(summary['department'])}")
    if summary.get("verdict_label"):
        lines.append(f"Éligibilité : {e(summary['verdict_label'])}")
    conditions = [c for c in summary.get("conditions") or [] if c]
    if conditions:
        lines.append("Conditions :")
        lines.extend(f"• {e(c)}" for c in conditions)
    return "\n".join(lines)


def contact_html(first_name: str | None, preference: str | None, value: str | None, chat_id: str | None) -> str:
    """Contact details revealed to the sponsor once they took the lead."""
    e = lambda v: html.escape(str(v), quote=False)  # noqa: E731
    lines = ["<b>Coordonnées</b>", f"Prénom : {e(first_name or 'non indiqué')}"]
    how = CONTACT_LABELS.get(preference or "", e(preference) if preference else "non précisé")
    lines.append(f"Contact souhaité : {how}")
    if value:
        lines.append(f"{'Adresse' if preference == 'email' else 'Coordonnée'} : {e(value)}")
    elif preference == "telegram" and chat_id and chat_id.isdigit():
        lines.append(f'<a href="tg://user?id={chat_id}">Ouvrir sa conversation Telegram</a>')
    return "\n".join(lines)


def candidate_accepted_text(lead_id: int, sponsor_name: str, preference: str | None, value: str | None) -> str:
    e = lambda v: html.escape(str(v), quote=False)  # noqa: E731
    how = CONTACT_LABELS.get(preference or "", "")
    contact = f" {how}" if how else ""
    if value and preference in ("phone", "email"):
        contact += f" ({e(value)})"
    return (
        f"<b>Bonne nouvelle !</b> Votre demande n° {lead_id} a été prise en charge par "
        f"<b>{e(sponsor_name)}</b>. Ce porteur de projet va vous contacter{contact} pour la suite.\n\n"
        "Vos coordonnées lui ont été transmises avec votre accord. /mes_donnees pour voir ce qui est "
        "enregistré, /supprimer_mes_donnees pour l'effacer."
    )


def candidate_declined_text(lead_id: int, sponsor_name: str) -> str:
    return (
        f"Votre demande n° {lead_id} n'a pas pu être prise en charge par "
        f"<b>{html.escape(sponsor_name, quote=False)}</b>. Vos coordonnées ne lui ont pas été transmises.\n\n"
        "Vous pouvez refaire une vérification avec /eligibilite, ou demander à parler à un conseiller."
    )


def candidate_expired_text(lead_id: int, sponsor_name: str | None) -> str:
    who = f" par <b>{html.escape(sponsor_name, quote=False)}</b>" if sponsor_name else ""
    return (
        f"Votre demande n° {lead_id} n'a pas été prise en charge{who} dans le délai prévu : elle est close, "
        "et vos coordonnées n'ont pas été transmises.\n\n"
        "Vous pouvez refaire une vérification avec /eligibilite, ou demander à parler à un conseiller."
    )
