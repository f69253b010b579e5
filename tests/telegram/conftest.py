"""Fixtures of the Telegram tests: the fake Bot API, a fake Rasa REST channel, databases and a bot harness.

Tests that touch sponsors, leads or the outbox use `store` (parametrized: SQLite file and a throwaway
PostgreSQL database, like tests/storage); the others use `chat_store` (SQLite only).
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import delete
from telegram import Update

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))
from db_testlib import BACKENDS, fresh_database  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402

from bot import sponsors  # noqa: E402
from bot.rasa_client import AsyncRasaClient  # noqa: E402
from bot.telegram_app import Settings, build_application  # noqa: E402
from storage import Store, migrate  # noqa: E402
from storage.models import Base  # noqa: E402


async def wait_for(predicate, timeout: float = 5.0, interval: float = 0.02):
    """Poll until predicate() is truthy; return its value or fail."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(interval)


class FakeRasa:
    """Rasa's REST channel on loopback: records requests; `reply(sender, message, metadata)` answers."""

    def __init__(self):
        self.received: list[dict] = []
        self.reply = lambda sender, message, metadata: [{"recipient_id": sender, "text": f"echo: {message}"}]
        self.status = 200
        self._runner = None

    async def start(self):
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhooks/rest/webhook"
        return self

    async def _handle(self, request):
        body = await request.json()
        self.received.append(body)
        if self.status != 200:
            return web.Response(status=self.status, text="down")
        result = self.reply(body["sender"], body["message"], body.get("metadata"))
        if inspect.isawaitable(result):
            result = await result
        return web.json_response(result)

    def messages(self, sender: str | None = None) -> list[str]:
        return [r["message"] for r in self.received if sender is None or r["sender"] == sender]

    async def stop(self):
        await self._runner.cleanup()


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, **kw):
        self.now += timedelta(**kw)


class BotHarness:
    def __init__(self, api: FakeBotAPI, rasa: FakeRasa, store: Store, clock: Clock, **settings):
        self.api, self.rasa, self.store, self.clock = api, rasa, store, clock
        # No retention purge unless a test asks for one: it would use the repository's var/tracker.db.
        settings = {"retention_interval": 0, "tracker_store_url": "sqlite:///nowhere/tracker.db", **settings}
        self.settings = Settings(token=api.token, api_base_url=api.base_url, outbox_interval=0.1, **settings)
        self.app = None

    async def start(self):
        self.app = build_application(
            self.settings, self.store, AsyncRasaClient(self.rasa.url, timeout=5), clock=self.clock, timeout=1.0
        )
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
        return self

    async def stop(self):
        if self.app is None:
            return
        if self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.post_shutdown(self.app)
        await self.app.shutdown()
        self.app = None

    async def restart(self):
        await self.stop()
        return await self.start()


@pytest.fixture
async def api():
    server = await FakeBotAPI().start()
    yield server
    await server.stop()


@pytest.fixture
async def rasa():
    server = await FakeRasa().start()
    yield server
    await server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("tgdb")) as url:
        migrate(url)
        yield url


def _emptied(store):
    with store.transaction() as s:
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(delete(table))


@pytest.fixture(scope="session")
def _stores(db_url):
    store = Store(db_url)
    yield store
    store.dispose()


@pytest.fixture
def store(_stores):
    _emptied(_stores)
    yield _stores


@pytest.fixture(scope="session")
def _chat_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('chatdb')}/chat.db"
    migrate(url)
    store = Store(url)
    yield store
    store.dispose()


@pytest.fixture
def chat_store(_chat_store):
    _emptied(_chat_store)
    yield _chat_store


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
async def make_bot(api, rasa, clock):
    """make_bot(store, **settings) -> a started BotHarness (stopped at the end of the test)."""
    sponsors._code_tries.clear()
    harnesses = []

    async def _make(store, **settings):
        harness = BotHarness(api, rasa, store, clock, **settings)
        harnesses.append(harness)
        return await harness.start()

    yield _make
    for harness in harnesses:
        await harness.stop()
