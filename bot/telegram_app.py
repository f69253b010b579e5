"""Telegram front end (long polling): forwards private text messages and button presses to Rasa.

This is the bridge of the foundation; sponsor notifications, commands and flood control come with
the Telegram issue.
"""

from __future__ import annotations

import logging
import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.console import MAX_MESSAGE_CHARS, UNAVAILABLE
from bot.rasa_client import AsyncRasaClient, BotMessage, RasaUnavailable

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.telegram.org"
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit
ONLY_TEXT = "Je ne lis que le texte pour l'instant : pouvez-vous écrire votre question ?"
PRIVATE_ONLY = "Je fonctionne uniquement en conversation privée : écrivez-moi directement."
COMMAND_PAYLOADS = {"start": "/greet", "aide": "/help", "annuler": "/stop"}


def keyboard(message: BotMessage, payloads: dict[str, str]) -> InlineKeyboardMarkup | None:
    """Inline buttons; a payload longer than Telegram's 64 bytes travels as a short id."""
    if not message.buttons:
        return None
    rows = []
    for button in message.buttons:
        data = button.payload
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            key = f"p:{len(payloads)}"
            payloads[key] = button.payload
            data = key
        rows.append([InlineKeyboardButton(button.title, callback_data=data)])
    return InlineKeyboardMarkup(rows)


async def forward(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    chat = update.effective_chat
    client: AsyncRasaClient = context.application.bot_data["rasa"]
    payloads: dict[str, str] = context.application.bot_data.setdefault("payloads", {})
    user = update.effective_user
    metadata = {"language_code": user.language_code} if user and user.language_code else None
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    try:
        messages = await client.send(f"tg:{chat.id}", text[:MAX_MESSAGE_CHARS], metadata)
    except RasaUnavailable:
        logger.warning("Rasa unavailable for a Telegram message")
        await context.bot.send_message(chat.id, UNAVAILABLE)
        return
    for message in messages:
        await context.bot.send_message(chat.id, message.text or "…", reply_markup=keyboard(message, payloads))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await forward(update, context, update.effective_message.text)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = update.effective_message.text.split()[0].lstrip("/").split("@")[0]
    await forward(update, context, COMMAND_PAYLOADS.get(command, update.effective_message.text))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    payload = context.application.bot_data.get("payloads", {}).get(query.data, query.data)
    await forward(update, context, payload)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(ONLY_TEXT)


async def on_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answered = context.application.bot_data.setdefault("groups_answered", set())
    if update.effective_chat.id not in answered:
        answered.add(update.effective_chat.id)
        await update.effective_message.reply_text(PRIVATE_ONLY)


def build_application(token: str, base_url: str | None = None) -> Application:
    base = (base_url or os.environ.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/")
    application = (
        Application.builder().token(token).base_url(f"{base}/bot").base_file_url(f"{base}/file/bot").build()
    )
    application.bot_data["rasa"] = AsyncRasaClient()
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(~private & filters.UpdateType.MESSAGE, on_group))
    application.add_handler(CommandHandler(list(COMMAND_PAYLOADS), on_command, filters=private))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & ~filters.TEXT, on_other))
    return application


def run_telegram() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines contain the bot token
    application = build_application(os.environ["TELEGRAM_BOT_TOKEN"])
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0



