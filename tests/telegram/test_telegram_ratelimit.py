"""Telegram's global cap: requests are counted, and "typing…" gives way to answers when the bot nears the cap."""

from __future__ import annotations

import asyncio

from conftest import wait_for
from fakebotapi import message

from bot.ratelimit import BUSY_SHARE, TELEGRAM_CAP, CapAwareRateLimiter
from bot.telegram_app import TYPING_AFTER

CHAT = 6001


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _ask(limiter, data):
    async def callback(*args, **kwargs):
        return True

    return await limiter.process_request(callback, (), {}, "sendMessage", data, None)


async def test_busy_counts_requests_naming_a_chat_over_the_last_second():
    clock = Clock()
    limiter = CapAwareRateLimiter(clock=clock)
    threshold = int(BUSY_SHARE * TELEGRAM_CAP)
    for _ in range(threshold - 1):
        assert await _ask(limiter, {"chat_id": CHAT, "text": "x"})
    for _ in range(5):
        await _ask(limiter, {"callback_query_id": "1"})  # not under the cap: not counted
    assert not limiter.busy()
    await _ask(limiter, {"chat_id": CHAT, "text": "x"})
    assert limiter.busy()
    clock.now += 0.5
    assert limiter.busy()
    clock.now += 0.6  # those requests are more than a second old now
    assert not limiter.busy()


async def test_typing_gives_way_to_answers_when_the_bot_nears_the_cap(api, rasa, chat_store, make_bot):
    bots = []
    busy_elsewhere = [True]

    async def slow(sender, text, metadata):
        await asyncio.sleep(TYPING_AFTER - 0.4)
        if busy_elsewhere[0]:  # other conversations' answers go out just before "typing…" would
            await asyncio.gather(*(bots[0].send_message(CHAT + 1 + i, "réponse")
                                   for i in range(int(BUSY_SHARE * TELEGRAM_CAP))))
        await asyncio.sleep(0.9)
        return [{"text": "voilà"}]

    rasa.reply = slow
    harness = await make_bot(chat_store)
    bots.append(harness.app.bot)
    api.push(message(CHAT, "question"))
    await wait_for(lambda: api.sent(CHAT), timeout=10)
    assert [call for call in api.called("sendChatAction") if call.chat_id == CHAT] == []

    # Once the cap is free again, a slow answer shows "typing…".
    busy_elsewhere[0] = False
    await asyncio.sleep(1.0)
    api.push(message(CHAT, "autre question"))
    await wait_for(lambda: len(api.sent(CHAT)) == 2, timeout=10)
    assert [call.params["action"] for call in api.called("sendChatAction") if call.chat_id == CHAT] == ["typing"]
