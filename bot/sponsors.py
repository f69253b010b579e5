"""Sponsor side of the bot: /porteur CODE, /leads, /lead ID and the Prendre en charge / Décliner buttons.

Every action starts from the chat: the sponsor is whoever is linked to this chat (sponsor_for_chat), and
leads are only ever fetched through get_lead_for_sponsor, so another sponsor's lead is "not found".
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import render
from bot.outbox import in_tx, kick, lead_summary, now_of, revive_unlinked, sponsor_buttons
from storage import (
    InvalidInvite,
    LeadClosed,
    LeadNotFound,
    Person,
    StorageError,
    audit,
    decide_lead,
    get_lead_for_sponsor,
    open_leads_for_sponsor,
    redeem_sponsor_invite,
    sponsor_for_chat,
)

logger = logging.getLogger(__name__)

NOT_SPONSOR = (
    "Cette commande est réservée aux porteurs de projet inscrits. Si vous en êtes un, envoyez "
    "/porteur suivi du code que l'équipe vous a remis."
)
STORAGE_DOWN = "Je ne peux pas accéder aux demandes pour le moment. Réessayez dans quelques minutes."
STATUS_LABELS = {
    "new": "en attente",
    "notified": "en attente de votre réponse",
    "accepted": "prise en charge",
    "declined": "déclinée",
    "expired": "expirée",
    "withdrawn": "retirée par la personne",
}
SPONSOR_COMMANDS = [
    BotCommand("leads", "Vos demandes en attente"),
    BotCommand("lead", "Voir une demande : /lead numéro"),
]
MAX_CODE_TRIES = 5  # per chat and per hour: codes cannot be guessed by brute force
_code_tries: dict[int, deque] = defaultdict(deque)


def _html(text: str) -> dict:
    return {"text": text, "parse_mode": ParseMode.HTML, "link_preview_options": LinkPreviewOptions(is_disabled=True)}


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


# --- transactions (run in a worker thread) -------------------------------------------------------


class AlreadyLinked(Exception):
    pass


def _redeem(session, code: str, chat_id: int, now):
    current = sponsor_for_chat(session, chat_id)
    sponsor = redeem_sponsor_invite(session, code, chat_id, now)
    if current is not None and current.id != sponsor.id:
        raise AlreadyLinked(current.name)  # rolls back: the code stays unused
    revive_unlinked(session, sponsor.id, now)
    return sponsor.name


def _list(session, chat_id: int):
    sponsor = sponsor_for_chat(session, chat_id)
    if sponsor is None:
        return None
    rows = [(lead, lead_summary(session, lead)) for lead in open_leads_for_sponsor(session, sponsor.id)]
    return sponsor.name, sponsor.remaining, sponsor.capacity, rows


def _detail(session, chat_id: int, lead_id: int, now):
    """(text, markup) of one lead of this chat's sponsor; raises LeadNotFound for any other lead."""
    sponsor = sponsor_for_chat(session, chat_id)
    if sponsor is None:
        return None
    lead = get_lead_for_sponsor(session, sponsor.id, lead_id)
    return _lead_view(session, sponsor.id, lead, now)


def _lead_view(session, sponsor_id: int, lead, now):
    status = STATUS_LABELS.get(lead.status, lead.status)
    text = render.lead_summary_html(lead.id, lead_summary(session, lead), title="Demande")
    text += f"\nStatut : {status} (reçue le {_date(lead.created_at)}"
    if lead.status in ("new", "notified") and lead.expires_at:
        text += f", sans réponse elle expirera le {_date(lead.expires_at)}"
    text += ")"
    if lead.status in ("new", "notified"):
        return text + "\n\nLes coordonnées vous seront communiquées si vous prenez la demande en charge.", \
            sponsor_buttons(lead.id)
    if lead.status == "accepted":
        person = session.get(Person, lead.person_id) if lead.person_id else None
        if person is None or person.deleted_at is not None:
            return text + "\n\nLa personne a supprimé ses données : ses coordonnées ne sont plus disponibles.", None
        audit(session, f"sponsor:{sponsor_id}", "lead.contact_viewed", f"lead:{lead.id}", now)
        return text + "\n\n" + render.contact_html(
            person.first_name, person.contact_preference, person.contact_value, person.channel_id
        ), None
    return text, None


def _decide(session, chat_id: int, lead_id: int, accept: bool, now):
    sponsor = sponsor_for_chat(session, chat_id)
    if sponsor is None:
        return None
    lead = decide_lead(session, sponsor.id, lead_id, accept=accept, now=now)
    text, _ = _lead_view(session, sponsor.id, lead, now)
    if accept:
        text += "\n\nLa personne est informée que vous allez la contacter. Merci de le faire rapidement."
    return text


# --- handlers -------------------------------------------------------------------------------------


def _too_many_tries(chat_id: int) -> bool:
    tries = _code_tries[chat_id]
    while tries and tries[0] < time.monotonic() - 3600:
        tries.popleft()
    return len(tries) >= MAX_CODE_TRIES


async def cmd_porteur(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = update.effective_chat.id
    message = update.effective_message
    if not context.args:
        await message.reply_text(
            "Pour recevoir les demandes de votre structure, envoyez /porteur suivi du code remis par "
            "l'équipe, par exemple : /porteur 4F2A9C1B7D"
        )
        return
    if _too_many_tries(chat_id):
        await message.reply_text("Trop d'essais de code. Réessayez dans une heure, ou demandez un nouveau code.")
        return
    try:
        name = await in_tx(context.application, _redeem, context.args[0], chat_id, now_of(context.application))
    except AlreadyLinked as linked:
        await message.reply_text(
            f"Cette conversation reçoit déjà les demandes de « {linked} ». Utilisez un autre compte Telegram "
            "pour une autre structure."
        )
        return
    except InvalidInvite:
        _code_tries[chat_id].append(time.monotonic())
        await message.reply_text(
            "Ce code n'est pas valable : il est inconnu, déjà utilisé ou expiré. Demandez un nouveau code à "
            "l'équipe."
        )
        return
    except StorageError:
        await message.reply_text(STORAGE_DOWN)
        return
    try:
        await context.bot.set_my_commands(
            context.application.bot_data["commands"] + SPONSOR_COMMANDS, scope=BotCommandScopeChat(chat_id)
        )
    except TelegramError:
        logger.warning("could not set the sponsor commands of a chat")
    await message.reply_text(
        **_html(
            f"C'est fait : cette conversation reçoit désormais les demandes adressées à "
            f"<b>{render.html.escape(name, quote=False)}</b>.\n"
            "/leads affiche vos demandes en attente ; chaque nouvelle demande arrive ici avec les boutons "
            "« Prendre en charge » et « Décliner »."
        )
    )
    kick(context.application)


async def cmd_leads(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    try:
        listing = await in_tx(context.application, _list, update.effective_chat.id)
    except StorageError:
        await message.reply_text(STORAGE_DOWN)
        return
    if listing is None:
        await message.reply_text(NOT_SPONSOR)
        return
    name, remaining, capacity, rows = listing
    e = render.html.escape
    header = f"<b>{e(name, quote=False)}</b> — places restantes : {remaining} sur {capacity}"
    if not rows:
        await message.reply_text(**_html(header + "\n\nAucune demande en attente."))
        return
    lines = [header, "", f"<b>Demandes en attente ({len(rows)})</b>"]
    buttons = []
    for lead, summary in rows:
        parts = [summary.get(k) for k in ("initial", "age_bracket", "certification", "department")]
        described = ", ".join(e(str(p), quote=False) for p in parts if p)
        lines.append(f"• n° {lead.id} — {described} (expire le {_date(lead.expires_at)})")
        buttons.append([InlineKeyboardButton(f"Voir la demande n° {lead.id}", callback_data=f"s:v:{lead.id}")])
    chunks = render.split_text("\n".join(lines))
    for i, chunk in enumerate(chunks):
        markup = InlineKeyboardMarkup(buttons[:50]) if i == len(chunks) - 1 else None
        await message.reply_text(**_html(chunk), reply_markup=markup)


async def cmd_lead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    arg = (context.args or [""])[0].lstrip("n°#")
    if not arg.isdigit():
        await message.reply_text("Indiquez le numéro de la demande, par exemple : /lead 12")
        return
    app = context.application
    try:
        view = await in_tx(app, _detail, update.effective_chat.id, int(arg), now_of(app))
    except LeadNotFound:
        await message.reply_text(f"Aucune demande n° {arg} parmi les vôtres.")
        return
    except StorageError:
        await message.reply_text(STORAGE_DOWN)
        return
    if view is None:
        await message.reply_text(NOT_SPONSOR)
        return
    text, markup = view
    await message.reply_text(**_html(text), reply_markup=markup)


async def on_sponsor_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback data s:<action>:<lead id>: a = accept, d = ask to confirm the decline, x = decline,
    v = view in a new message, r = back to the decision buttons ("Non, revenir")."""
    query = update.callback_query
    app = context.application
    try:
        _, action, raw_id = query.data.split(":", 2)
        lead_id = int(raw_id)
    except ValueError:
        await query.answer()
        return
    chat_id = update.effective_chat.id
    try:
        if action == "d":
            await query.answer()
            confirm = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton("Oui, décliner", callback_data=f"s:x:{lead_id}"),
                        InlineKeyboardButton("Non, revenir", callback_data=f"s:r:{lead_id}"),
                    ]
                ]
            )
            await query.edit_message_reply_markup(reply_markup=confirm)
            return
        if action in ("v", "r"):
            view = await in_tx(app, _detail, chat_id, lead_id, now_of(app))
            if view is None:
                await query.answer(NOT_SPONSOR[:190], show_alert=True)
                return
            await query.answer()
            text, markup = view
            if action == "r":  # "Non, revenir": the decision buttons come back on the same message
                await query.edit_message_text(reply_markup=markup, **_html(text))
            else:
                await context.bot.send_message(chat_id, reply_markup=markup, **_html(text))
            return
        if action in ("a", "x"):
            text = await in_tx(app, _decide, chat_id, lead_id, action == "a", now_of(app))
            if text is None:
                await query.answer(NOT_SPONSOR[:190], show_alert=True)
                return
            await query.answer("Demande prise en charge" if action == "a" else "Demande déclinée")
            await query.edit_message_text(**_html(text))
            kick(app)
            return
        await query.answer()
    except LeadNotFound:
        await query.answer("Cette demande n'est pas (ou plus) parmi les vôtres.", show_alert=True)
    except LeadClosed:
        view = await in_tx(app, _detail, chat_id, lead_id, now_of(app))
        await query.answer("Cette demande n'est plus ouverte.", show_alert=True)
        if view:
            await query.edit_message_text(**_html(view[0]))
    except StorageError:
        await query.answer(STORAGE_DOWN[:190], show_alert=True)
