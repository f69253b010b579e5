"""The Telegram bot end to end: the real python-telegram-bot Application against the fake Bot API, talking to
the real Rasa server and action server of `live_stack`, with the same database as the action server.

A sponsor links its chat with /porteur CODE; a candidate goes from /start through the pre-screen (typed
answers and button presses) to consent; the sponsor gets the pseudonymous lead, takes it, sees the contact
details; the candidate is told who took it. The second test restarts the bot between the consent and the
delivery, and once more while the notification is being sent: the sponsor still gets it exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram import Update

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "telegram"))
from db_testlib import fresh_database  # noqa: E402
from fakebotapi import Call, FakeBotAPI, callback, message  # noqa: E402

from actions.db import prepare_database  # noqa: E402
from bot import sponsors  # noqa: E402
from bot.rasa_client import AsyncRasaClient  # noqa: E402
from bot.telegram_app import Settings, build_application  # noqa: E402
from storage import Store, create_sponsor_invite, get_sponsor, utcnow  # noqa: E402
from storage.models import Lead, Outbox, Person, Sponsor  # noqa: E402

pytestmark = pytest.mark.e2e

SPONSOR_KEY = "demo-of-sante-lyon"  # Lyon (69) + aide-soignant: the sponsor actions/leads.matched_sponsor picks
REPLY_TIMEOUT = 45.0  # the machine is shared: Rasa + the action server can be slow to answer one turn
PHONE_FORMS = ("0612345678", "06 12 34 56 78", "+33612345678", "+33 6 12 34 56 78")
FIRST_NAME = "Sarah"


def new_chat_id() -> int:
    return 10**9 + uuid.uuid4().int % 10**9  # private chats have positive ids; fresh Rasa tracker each run


async def wait_for(predicate, timeout: float = REPLY_TIMEOUT, interval: float = 0.05, what: str = "condition"):
    """Poll until predicate() is truthy; return its value or fail with `what`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not reached within {timeout:.0f} s: {what}")
        await asyncio.sleep(interval)


def plain(call: Call) -> str:
    return html.unescape(call.text)


def buttons_of(call: Call) -> list[dict]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


# --- harnesses ------------------------------------------------------------------------------------------------


class LiveBot:
    """The real Application, long polling the fake Bot API, with RASA_URL / DATABASE_URL of the live stack."""

    def __init__(self, api: FakeBotAPI, outbox_interval: float) -> None:
        self.api, self.outbox_interval = api, outbox_interval
        self.app = None
        self.store = None

    async def start(self) -> LiveBot:
        sponsors._code_tries.clear()
        settings = Settings(token=self.api.token, api_base_url=self.api.base_url,
                            outbox_interval=self.outbox_interval, retention_interval=0)  # no purge of var/
        self.store = Store()  # DATABASE_URL
        self.app = build_application(settings, self.store, AsyncRasaClient(timeout=90), timeout=15.0)  # RASA_URL
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
        return self

    async def stop(self) -> None:
        """A graceful stop, as on SIGTERM: polling, then the application (running jobs finish)."""
        if self.app is None:
            return
        if self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.post_shutdown(self.app)
        await self.app.shutdown()
        self.store.dispose()
        self.app = None


class Chat:
    """One private chat on the fake Bot API: send text, press buttons, wait for the bot's messages."""

    def __init__(self, api: FakeBotAPI, chat_id: int) -> None:
        self.api, self.id = api, chat_id
        self.read = 0  # messages of this chat already consumed by expect()
        self.callback_ids: list[str] = []

    def say(self, text: str) -> None:
        self.api.push(message(self.id, text))

    def messages(self) -> list[Call]:
        return self.api.sent(self.id)

    def texts(self) -> list[str]:
        return [plain(c) for c in self.messages()]

    async def expect(self, needle: str, timeout: float = REPLY_TIMEOUT) -> Call:
        """The next message of the bot (after those already read) containing needle."""

        def found():
            for i, call in enumerate(self.messages()[self.read:], self.read):
                if needle in plain(call):
                    return i, call
            return None

        try:
            index, call = await wait_for(found, timeout, what=f"chat {self.id} gets {needle!r}")
        except AssertionError:
            raise AssertionError(f"chat {self.id} never got {needle!r}; it got: {self.texts()[self.read:]}") from None
        self.read = index + 1
        return call

    def press(self, call: Call, title: str, exact: bool = False) -> str:
        """Press the inline button of `call` whose title contains (or is) `title`; returns its callback data."""
        matching = [b for b in buttons_of(call) if (b["text"] == title if exact else title in b["text"])]
        assert matching, f"no button {title!r} under {plain(call)!r}: {[b['text'] for b in buttons_of(call)]}"
        update = callback(self.id, matching[0]["callback_data"], message_id=call.params.get("message_id", 1))
        self.callback_ids.append(update["callback_query"]["id"])
        self.api.push(update)
        return matching[0]["callback_data"]


# --- database helpers (the same database as the action server) ------------------------------------------


def invite_code(store: Store) -> str:
    with store.transaction() as s:
        return create_sponsor_invite(s, SPONSOR_KEY, utcnow())


def leads_of(store: Store, chat_id: int) -> list[Lead]:
    with store.transaction() as s:
        person = s.scalars(select(Person).where(Person.channel == "telegram",
                                                Person.channel_id == str(chat_id))).one_or_none()
        return [] if person is None else list(s.scalars(select(Lead).where(Lead.person_id == person.id)))


def outbox_of(store: Store, lead_id: int) -> list[Outbox]:
    with store.transaction() as s:
        return list(s.scalars(select(Outbox).where(Outbox.lead_id == lead_id).order_by(Outbox.id)))


def delivered(store: Store, lead_id: int, kind: str) -> bool:
    """Exactly one outbox row of this kind for the lead, and it is marked delivered."""
    rows = [r for r in outbox_of(store, lead_id) if r.kind == kind]
    assert len(rows) <= 1, f"{len(rows)} {kind} rows for lead {lead_id}"
    return len(rows) == 1 and rows[0].delivered_at is not None


def sponsor_row(store: Store) -> Sponsor:
    with store.transaction() as s:
        return get_sponsor(s, SPONSOR_KEY)


def lead_notes(sponsor: Chat, lead_id: int) -> list[Call]:
    return [c for c in sponsor.messages() if f"Nouvelle demande n° {lead_id}" in plain(c)]


# --- fixtures -------------------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def live_env(request, live_stack, monkeypatch, tmp_path):
    """The bot reads RASA_URL and DATABASE_URL like in production. On PostgreSQL, the action server is
    restarted on a throwaway database for the test (it is the only server that uses our database)."""
    with contextlib.ExitStack() as cleanup:
        if request.param == "postgresql":
            url = cleanup.enter_context(fresh_database("postgresql", tmp_path))
            prepare_database(url)
            sqlite_url = live_stack.database_url
            live_stack.database_url = url
            live_stack.restart_actions(live_stack.today)

            def back_to_sqlite():
                live_stack.database_url = sqlite_url
                live_stack.restart_actions(live_stack.today)

            cleanup.callback(back_to_sqlite)
        monkeypatch.setenv("RASA_URL", live_stack.cfg.rasa_url)
        monkeypatch.setenv("DATABASE_URL", live_stack.database_url)
        store = Store(live_stack.database_url)
        yield store
        store.dispose()


@pytest.fixture
async def api():
    server = await FakeBotAPI().start()
    yield server
    await server.stop()


@pytest.fixture
async def bots(api, caplog):
    """bots(outbox_interval) -> a started LiveBot; every bot still running is stopped at the end, and the
    test fails if the bot logged an error (an exception in a handler or in the outbox job)."""
    started: list[LiveBot] = []

    async def _start(outbox_interval: float = 0.2) -> LiveBot:
        bot = LiveBot(api, outbox_interval)
        started.append(bot)
        return await bot.start()

    yield _start
    for bot in started:
        await bot.stop()
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records
              if r.levelno >= logging.ERROR and r.name.split(".")[0] in ("bot", "telegram", "storage")]
    assert not errors, errors


# --- the conversations ------------------------------------------------------------------------------------------


async def link_sponsor(api: FakeBotAPI, store: Store) -> Chat:
    sponsor = Chat(api, new_chat_id())
    sponsor.say(f"/porteur {invite_code(store)}")
    linked = await sponsor.expect("cette conversation reçoit désormais les demandes")
    assert sponsor_row(store).name in plain(linked)
    assert sponsor_row(store).telegram_chat_id == sponsor.id
    return sponsor


async def candidate_until_consent(api: FakeBotAPI, store: Store) -> tuple[Chat, Lead]:
    """/start -> role button -> pre-screen (typed answers and buttons) -> "Oui" to the consent."""
    candidate = Chat(api, new_chat_id())
    candidate.say("/start")
    roles = await candidate.expect("Pour vous orienter, vous êtes")
    candidate.press(roles, "Candidat")
    await candidate.expect("Quel âge avez-vous")
    candidate.say("34")
    situation = await candidate.expect("Quelle est votre situation")
    candidate.press(situation, "Demandeur d'emploi")
    await candidate.expect("Quel métier ou quel diplôme")
    candidate.say("aide soignante")
    await candidate.expect("Dans quel département")
    candidate.say("Lyon")
    contact = await candidate.expect("comment préférez-vous être contacté")
    candidate.press(contact, "Par téléphone")
    await candidate.expect("numéro de téléphone ou l'adresse e-mail")
    candidate.say("06 12 34 56 78")
    await candidate.expect("quel prénom")
    candidate.say(FIRST_NAME)
    consent = await candidate.expect("Êtes-vous d'accord ?")
    sponsor_name = sponsor_row(store).name
    assert sponsor_name in plain(consent)  # the consent names the sponsor the lead will go to
    # the knowledge clock of live_stack is after the contract window: the verdict says so, a lead can be left
    assert any("période pour signer un nouveau contrat est close" in t for t in candidate.texts())
    assert leads_of(store, candidate.id) == []  # nothing stored before the "oui"

    candidate.press(consent, "Oui", exact=True)
    stored = await candidate.expect("c'est enregistré")
    assert sponsor_name in plain(stored)
    [lead] = leads_of(store, candidate.id)
    assert lead.sponsor_id == sponsor_row(store).id and lead.verdict == "window_closed"
    return candidate, lead


def check_pseudonymous(note: Call, lead_id: int) -> None:
    text = plain(note)
    assert "S., 26-44 ans" in text and "69" in text and "aide-soignant" in text.lower()
    assert FIRST_NAME not in text and not any(phone in text for phone in PHONE_FORMS)
    assert [(b["text"], b["callback_data"]) for b in buttons_of(note)] == [
        ("Prendre en charge", f"s:a:{lead_id}"), ("Décliner", f"s:d:{lead_id}")]


async def accept_and_inform(api: FakeBotAPI, store: Store, sponsor: Chat, candidate: Chat, note: Call,
                            lead_id: int) -> None:
    """The sponsor takes the lead: contact details shown to them, the candidate told who took it."""
    edits_before = len(api.called("editMessageText"))
    sponsor.press(note, "Prendre en charge", exact=True)

    def contact_shown():
        edits = [c for c in api.called("editMessageText")[edits_before:] if c.chat_id == sponsor.id]
        return edits and edits[-1]

    edited = await wait_for(contact_shown, what="the sponsor's message shows the contact details")
    revealed = plain(edited)
    assert f"n° {lead_id}" in revealed and FIRST_NAME in revealed and "par téléphone" in revealed
    assert any(phone in revealed for phone in PHONE_FORMS)
    assert "reply_markup" not in edited.params  # the decision buttons are gone

    told = await candidate.expect("Bonne nouvelle")
    told_text = plain(told)
    assert sponsor_row(store).name in told_text and f"n° {lead_id}" in told_text and "par téléphone" in told_text
    assert [lead.status for lead in leads_of(store, candidate.id)] == ["accepted"]
    await wait_for(lambda: delivered(store, lead_id, "lead_accepted"), timeout=30,
                   what="the candidate's notification marked delivered")  # Telegram answered, then the commit


async def all_callbacks_answered(api: FakeBotAPI, *chats: Chat) -> None:
    pressed = [cb for chat in chats for cb in chat.callback_ids]
    await wait_for(lambda: len(api.called("answerCallbackQuery")) >= len(pressed),
                   what="every callback query answered")
    answered = [c.params.get("callback_query_id") for c in api.called("answerCallbackQuery")]
    assert sorted(answered) == sorted(pressed)  # each one answered, and only once


# --- tests ----------------------------------------------------------------------------------------------------


async def test_candidate_to_sponsor_through_telegram_with_the_real_dialogue(live_env, api, bots):
    store = live_env
    await bots(outbox_interval=0.2)
    sponsor = await link_sponsor(api, store)
    scoped = [c["command"] for c in api.commands.get(f"chat:{sponsor.id}", [])]
    assert "leads" in scoped and "lead" in scoped

    candidate, lead = await candidate_until_consent(api, store)

    note = (await wait_for(lambda: lead_notes(sponsor, lead.id), what="the sponsor is notified"))[0]
    check_pseudonymous(note, lead.id)
    await wait_for(lambda: delivered(store, lead.id, "lead_new"), timeout=30, what="the lead_new row delivered")

    await accept_and_inform(api, store, sponsor, candidate, note, lead.id)
    assert [c.params.get("text") for c in api.called("answerCallbackQuery")
            if c.params.get("callback_query_id") == sponsor.callback_ids[-1]] == ["Demande prise en charge"]
    assert len(lead_notes(sponsor, lead.id)) == 1
    await all_callbacks_answered(api, candidate, sponsor)
    # the candidate never saw anything of the sponsor side, nor the sponsor the candidate's pre-screen
    assert not any("Nouvelle demande" in t for t in candidate.texts())
    assert not any("Quel âge" in t for t in sponsor.texts())


async def test_a_bot_restart_between_consent_and_delivery_loses_and_duplicates_nothing(live_env, api, bots):
    store = live_env
    # The first bot only delivers on its start-up run and after /porteur: the lead stays queued.
    first = await bots(outbox_interval=3600)
    sponsor = await link_sponsor(api, store)
    candidate, lead = await candidate_until_consent(api, store)
    await asyncio.sleep(0.5)  # a margin in which a wrongly eager bot would deliver
    assert lead_notes(sponsor, lead.id) == []
    await first.stop()
    [row] = [r for r in outbox_of(store, lead.id) if r.kind == "lead_new"]
    assert row.delivered_at is None and row.attempts == 0 and row.lease_until is None

    # The second bot claims it at start-up; Telegram is slow to answer; the bot is stopped meanwhile.
    api.fail("sendMessage", "hang", chat_id=sponsor.id, hang_seconds=3.0)
    second = await bots(outbox_interval=3600)
    await wait_for(lambda: lead_notes(sponsor, lead.id), timeout=30, what="the delivery in flight")
    [row] = [r for r in outbox_of(store, lead.id) if r.kind == "lead_new"]
    assert row.lease_until is not None and row.delivered_at is None  # claimed, Telegram not answered yet
    await second.stop()

    # The third bot must neither send it again nor lose it.
    await bots(outbox_interval=0.2)
    await wait_for(lambda: delivered(store, lead.id, "lead_new"), timeout=30, what="the lead_new row delivered")
    await asyncio.sleep(1.0)  # several outbox runs of the third bot
    notes = lead_notes(sponsor, lead.id)
    assert len(notes) == 1, f"{len(notes)} notifications of lead {lead.id}"
    [row] = [r for r in outbox_of(store, lead.id) if r.kind == "lead_new"]
    assert row.attempts == 1 and row.failed_at is None
    check_pseudonymous(notes[0], lead.id)

    await accept_and_inform(api, store, sponsor, candidate, notes[0], lead.id)
    await asyncio.sleep(0.5)
    assert len([t for t in candidate.texts() if "Bonne nouvelle" in t]) == 1
    await all_callbacks_answered(api, candidate, sponsor)
