"""Telegram front end: private chats bridged to Rasa's REST channel, sponsor commands, outbox delivery.

Long polling by default; webhook mode (with a secret token) when TELEGRAM_WEBHOOK_URL is set.
Environment: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET,
TELEGRAM_WEBHOOK_LISTEN, TELEGRAM_WEBHOOK_PORT, OUTBOX_POLL_SECONDS, RETENTION_DAYS, plus RASA_URL, DATABASE_URL and
TRACKER_STORE_URL (the daily retention purge, bot/retention.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urlparse

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ChatAction, ChatMemberStatus, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import sponsors
from bot.commands import COMMANDS, command_name
from bot.console import UNAVAILABLE
from bot.language import local_reply
from bot.outbox import mark_chat_blocked, outbox_job
from bot.rasa_client import AsyncRasaClient, BotMessage, Button, RasaUnavailable
from bot.ratelimit import CapAwareRateLimiter
from bot.render import CallbackMap, keyboard, merge_turn, split_text, to_html
from bot.retention import DEFAULT_RETENTION_DAYS, retention_days, retention_job, tracker_store_url
from storage import Store, utcnow

logger = logging.getLogger(__name__)
# Opt in to python-telegram-bot's future behaviour (durations as timedelta) instead of deprecation warnings.
os.environ.setdefault("PTB_TIMEDELTA", "1")

DEFAULT_API_BASE_URL = "https://api.telegram.org"
ONLY_TEXT = "Je ne lis que le texte pour l'instant : pouvez-vous écrire votre question ?"
PRIVATE_ONLY = (
    "Je fonctionne uniquement en conversation privée : écrivez-moi directement (ouvrez mon profil, puis "
    "« Envoyer un message »). Je ne répondrai pas aux autres messages de ce groupe."
)
STICKER = "Merci ! Je ne comprends que le texte : écrivez-moi votre question."
LOCATION = (
    "Je n'utilise pas la localisation. Indiquez plutôt votre département ou votre ville par écrit, par "
    "exemple « 93 » ou « Lyon »."
)
CONTACT = (
    "Je n'enregistre pas les contacts partagés de cette façon. Si vous souhaitez être recontacté·e, je vous "
    "demanderai comment pendant la vérification d'éligibilité (/eligibilite)."
)
EDITED = "J'ai vu que vous avez modifié un message : je ne lis que les nouveaux messages, renvoyez-le si besoin."
UNKNOWN_COMMAND = "Je ne connais pas cette commande. Tapez / pour voir la liste, ou écrivez votre question."
SLOW_DOWN = (
    "Doucement 🙂 vous m'envoyez beaucoup de messages d'un coup. Attendez quelques secondes : les messages "
    "suivants ne sont pas pris en compte d'ici là."
)
SORRY = "Désolé, un problème technique m'a empêché de répondre. Réessayez dans un instant, ou /aide."
EXPIRED_BUTTON = "Ce bouton n'est plus valable. Écrivez votre question, ou /aide pour le menu."
SEEN_UPDATES = 10_000  # update ids remembered to drop a repeated delivery
ROLE_QUESTION = "Pour vous orienter, vous êtes :"
ROLE_BUTTONS = [
    Button("Candidat·e (je cherche un emploi ou une certification)", "/start_prescreen"),
    Button("Employeur (je souhaite recruter)", "/employer_check"),
    Button("Porteur de projet", "/sponsor_info"),
]
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for 5 s
# Most answers come in well under a second: "typing…" would only flash and cost a request under the global cap.
TYPING_AFTER = 1.0  # seconds


@dataclass(frozen=True)
class Settings:
    token: str
    api_base_url: str = DEFAULT_API_BASE_URL
    webhook_url: str = ""  # public HTTPS URL: webhook mode; empty: long polling
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    outbox_interval: float = 5.0
    flood_max: int = 20
    flood_window: float = 10.0
    retention_days: int = DEFAULT_RETENTION_DAYS
    retention_interval: float = 24 * 3600.0  # seconds between two retention purges (bot/retention.py); 0: none
    tracker_store_url: str = field(default_factory=tracker_store_url)

    @classmethod
    def from_env(cls, env=None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", ""),
            api_base_url=(env.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/"),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL", ""),
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", ""),
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
            webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT", "8443")),
            outbox_interval=float(env.get("OUTBOX_POLL_SECONDS", "5")),
            retention_days=retention_days(env),
            tracker_store_url=tracker_store_url(env),
        )


# --- per-chat ordering and flood control ------------------------------------------------------------


class FloodGuard:
    """At most `limit` messages per user within `window` seconds; the first extra one gets a warning."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.seen: dict[int, deque] = defaultdict(deque)
        self.warned: dict[int, float] = {}

    def check(self, user_id: int) -> str:
        """'ok', 'warn' (first message over the limit) or 'drop'."""
        now = self.clock()
        seen = self.seen[user_id]
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            return "ok"
        if self.warned.get(user_id, -1e9) > seen[0]:
            return "drop"
        self.warned[user_id] = now
        return "warn"


def _chat_id(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat:
        return update.effective_chat.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; those of one chat run one after the other, in order.
    Flood control happens here, on arrival, so queued messages count too."""

    def __init__(self, flood: FloodGuard, max_concurrent: int = 256) -> None:
        super().__init__(max_concurrent)
        self.flood = flood
        self.application: Application | None = None
        self._locks: dict[int, list] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()  # the latest update ids, oldest first

    def _already_seen(self, update: object) -> bool:
        """Telegram delivers an update again when its receipt was not confirmed (a webhook answered too late, a
        crash between polls): a second "oui" or "34" would answer the next question."""
        if not isinstance(update, Update):
            return False
        if update.update_id in self._seen:
            return True
        self._seen[update.update_id] = None
        if len(self._seen) > SEEN_UPDATES:
            self._seen.popitem(last=False)
        return False

    async def do_process_update(self, update: object, coroutine: Awaitable) -> None:
        if self._already_seen(update):
            coroutine.close()
            return
        chat_id = _chat_id(update)
        if chat_id is None:
            await coroutine
            return
        verdict = self._flood_verdict(update)
        entry = self._locks.setdefault(chat_id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                if verdict == "ok":
                    await coroutine
                else:
                    coroutine.close()
                    await self._refuse(update, verdict)
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[chat_id]

    def _flood_verdict(self, update: Update) -> str:
        user = update.effective_user
        private = update.effective_chat.type == "private"
        if not private or user is None or not (update.message or update.callback_query):
            return "ok"
        return self.flood.check(user.id)

    async def _refuse(self, update: Update, verdict: str) -> None:
        bot = self.application.bot
        with suppress(TelegramError):
            if update.callback_query:  # every callback query is answered, even refused ones
                await bot.answer_callback_query(update.callback_query.id, SLOW_DOWN[:190])
            elif verdict == "warn":
                await bot.send_message(update.effective_chat.id, SLOW_DOWN)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


# --- conversation with Rasa -------------------------------------------------------------------------


async def _keep_typing(bot, chat_id: int) -> None:
    await asyncio.sleep(TYPING_AFTER)
    while True:
        limiter = bot.rate_limiter
        if not (isinstance(limiter, CapAwareRateLimiter) and limiter.busy()):  # answers first near the cap
            with suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
        await asyncio.sleep(TYPING_EVERY)


async def send_messages(app: Application, chat_id: int, messages: list[BotMessage]) -> None:
    """The turn's Rasa messages, merged where possible, as Telegram messages; buttons go on the last piece."""
    callbacks: CallbackMap = app.bot_data["callbacks"]
    for message in merge_turn(messages):
        pieces = split_text(message.text) or ["…"]
        for i, piece in enumerate(pieces):
            markup = keyboard(message.buttons, callbacks) if i == len(pieces) - 1 else None
            try:
                await app.bot.send_message(
                    chat_id,
                    to_html(piece),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    rate_limit_args=3,
                )
            except BadRequest as error:
                if "entities" not in error.message.lower():
                    raise
                await app.bot.send_message(chat_id, piece, reply_markup=markup, rate_limit_args=3)


async def converse(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, after=None) -> None:
    """Send text (or a button payload) to Rasa as tg:<chat id> and show the answer."""
    app = context.application
    chat_id = update.effective_chat.id
    user = update.effective_user
    metadata = {"language_code": user.language_code} if user and user.language_code else None
    typing = asyncio.create_task(_keep_typing(context.bot, chat_id))
    try:
        try:
            messages = await app.bot_data["rasa"].send(f"tg:{chat_id}", text, metadata)
        except RasaUnavailable:
            logger.warning("Rasa unavailable for a Telegram message")
            messages = [BotMessage(text=UNAVAILABLE)]
        finally:
            typing.cancel()
        await send_messages(app, chat_id, messages + (after or []))
    except Forbidden:
        await mark_chat_blocked(app, chat_id)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = update.effective_message.text
    if reply := local_reply(text):
        await reply_once(update, context, reply)
        return
    await converse(update, context, text)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = command_name(update.effective_message.text)
    after = [BotMessage(text=ROLE_QUESTION, buttons=ROLE_BUTTONS)] if command == "start" else None
    await converse(update, context, COMMANDS[command][0], after)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(UNKNOWN_COMMAND)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    data = query.data or ""
    if data.startswith("s:"):
        await sponsors.on_sponsor_button(update, context)
        return
    if not update.effective_chat or update.effective_chat.type != "private":
        await query.answer()
        return
    payload = context.application.bot_data["callbacks"].decode(data) or pressed_button_title(query)
    if payload is None:
        await query.answer(EXPIRED_BUTTON, show_alert=True)
        return
    await query.answer()
    await converse(update, context, payload)


def pressed_button_title(query) -> str | None:
    """A short id forgotten since a restart: the title of the pressed button says the same in words
    ("Vérifier si je suis concerné(e)"), so it goes to the assistant as if typed."""
    markup = query.message.reply_markup if query.message else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == query.data and button.text.strip(" …"):
                return button.text
    return None


async def reply_once(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    with suppress(Forbidden):
        await update.effective_message.reply_text(text)


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_once(update, context, ONLY_TEXT)


async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_once(update, context, STICKER)


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_once(update, context, LOCATION)


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_once(update, context, CONTACT)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_once(update, context, EDITED)


async def on_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group the bot says once that it works in private, then stays silent."""
    answered: set = context.application.bot_data["groups_answered"]
    chat_id = update.effective_chat.id
    if chat_id in answered:
        return
    answered.add(chat_id)
    with suppress(TelegramError):
        await context.bot.send_message(chat_id, PRIVATE_ONLY)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private user blocking (kicked) or unblocking (member) the bot; being added to a group."""
    change = update.my_chat_member
    chat = change.chat
    status = change.new_chat_member.status
    if chat.type == "private":
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            await mark_chat_blocked(context.application, chat.id, True)
        elif status == ChatMemberStatus.MEMBER:
            await mark_chat_blocked(context.application, chat.id, False)
    elif chat.type in ("group", "supergroup") and status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        await on_group(update, context)


async def ignore(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Channel posts, inline queries, polls… are ignored on purpose."""


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log (type and traceback, no message text) and never leave the user without an answer."""
    logger.error("error while handling an update: %s", type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update):
        return
    with suppress(TelegramError):
        if update.callback_query:
            await update.callback_query.answer()
        if update.effective_chat and update.effective_chat.type == "private" and not isinstance(
            context.error, TelegramError
        ):
            await context.bot.send_message(update.effective_chat.id, SORRY)


# --- application --------------------------------------------------------------------------------------


def bot_commands() -> list[BotCommand]:
    return [BotCommand(name, description) for name, (_, description) in COMMANDS.items()]


async def on_startup(app: Application) -> None:
    await app.bot.set_my_commands(app.bot_data["commands"])


async def on_shutdown(app: Application) -> None:
    await app.bot_data["rasa"].close()


def build_application(
    settings: Settings,
    store: Store,
    rasa: AsyncRasaClient | None = None,
    clock: Callable = utcnow,
    timeout: float | None = None,
) -> Application:
    base = settings.api_base_url.rstrip("/")
    processor = ChatOrderedProcessor(FloodGuard(settings.flood_max, settings.flood_window))
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .rate_limiter(CapAwareRateLimiter())
        .concurrent_updates(processor)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
    )
    if timeout is not None:
        builder = builder.connect_timeout(timeout).read_timeout(timeout).write_timeout(timeout).pool_timeout(timeout)
    app = builder.build()
    processor.application = app
    app.bot_data.update(
        store=store,
        rasa=rasa or AsyncRasaClient(),
        clock=clock,
        callbacks=CallbackMap(),
        groups_answered=set(),
        commands=bot_commands(),
        settings=settings,
    )
    private = filters.ChatType.PRIVATE
    add = app.add_handler
    add(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    add(MessageHandler(filters.UpdateType.CHANNEL_POSTS, ignore))
    add(MessageHandler(~private & filters.UpdateType.MESSAGES, on_group))
    add(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited))
    add(CommandHandler("porteur", sponsors.cmd_porteur, filters=private))
    add(CommandHandler("leads", sponsors.cmd_leads, filters=private))
    add(CommandHandler("lead", sponsors.cmd_lead, filters=private))
    add(CommandHandler(list(COMMANDS), on_command, filters=private))
    add(MessageHandler(filters.COMMAND, on_unknown_command))
    add(MessageHandler(filters.TEXT, on_text))
    add(MessageHandler(filters.Sticker.ALL, on_sticker))
    add(MessageHandler(filters.LOCATION | filters.VENUE, on_location))
    add(MessageHandler(filters.CONTACT, on_contact))
    add(MessageHandler(filters.ALL, on_media))  # photos, documents, voice, video notes, polls…
    add(CallbackQueryHandler(on_button))
    add(TypeHandler(object, ignore))
    app.add_error_handler(on_error)
    app.job_queue.run_repeating(outbox_job, settings.outbox_interval, first=0.1, name="outbox")
    if settings.retention_interval > 0:  # the first purge a minute after start (not during startup), then daily
        app.job_queue.run_repeating(retention_job, settings.retention_interval,
                                    first=min(60.0, settings.retention_interval), name="retention")
    return app


def webhook_options(settings: Settings) -> dict:
    """Arguments of run_webhook / Updater.start_webhook (the secret is random when not configured)."""
    path = urlparse(settings.webhook_url).path.strip("/") or "telegram"
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret or secrets.token_urlsafe(32),
        "allowed_updates": Update.ALL_TYPES,
    }


def run_telegram() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines contain the bot token
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per outbox run otherwise
    settings = Settings.from_env()
    store = Store()
    store.migrate()
    app = build_application(settings, store)
    if settings.webhook_url:
        logger.info("webhook mode on %s:%s", settings.webhook_listen, settings.webhook_port)
        app.run_webhook(**webhook_options(settings))
    else:
        logger.info("long polling mode")
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    store.dispose()
    return 0
