"""The load generator's accounting: percentiles, throughput, error and timeout counting (fixed inputs),
and its plumbing through the fake Bot API with a scripted stand-in for the bot (loopback only)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bench import load
from bench.load import Turn, classify, percentile, summarize


def test_percentile_interpolates_between_ranks():
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile(values, 95) == pytest.approx(9.55)
    assert percentile(values, 99) == pytest.approx(9.91)
    assert percentile(values, 0) == 1.0 and percentile(values, 100) == 10.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # order of the input does not matter
    assert percentile([0.25], 99) == 0.25
    assert percentile([], 50) is None


def turn(pushed, replies=(), done=True, text="q"):
    t = Turn(user=0, chat_id=1, kind="text", text=text, pushed_at=pushed)
    t.replies = [(pushed + dt, reply) for dt, reply in replies]
    t.done_at = (pushed + (replies[-1][0] if replies else 0.01)) if done else None
    return t


def test_classify_turns():
    assert classify(turn(0, [(0.1, "Bonjour !")])) == "ok"
    assert classify(turn(0, [(0.1, "Bonjour !")], done=False)) == "timeout"
    assert classify(turn(0, [])) == "error"  # finished without any reply
    assert classify(turn(0, [(0.1, "Désolé, un problème technique m'a empêché de répondre.")])) == "error"
    assert classify(turn(0, [(0.1, "ok"), (0.2, "Doucement 🙂 vous m'envoyez beaucoup")])) == "error"


def test_latency_is_the_last_reply_and_first_latency_the_first():
    t = turn(10.0, [(0.1, "a"), (0.4, "b"), (0.5, "c")])
    assert t.first_latency == pytest.approx(0.1)
    assert t.latency == pytest.approx(0.5)
    assert turn(0, []).latency is None


def test_summarize_counts_answers_errors_timeouts_and_throughput():
    turns = [
        turn(0.0, [(0.1, "a")]),
        turn(1.0, [(0.2, "a"), (0.3, "b")]),
        turn(2.0, [(0.3, "a")]),
        turn(3.0, [(0.4, "a")]),
        turn(4.0, [(1.0, "Désolé, un problème technique")]),  # error, its message still counted as sent
        turn(5.0, [], done=False),  # timeout
        turn(6.0, []),  # error: no reply
    ]
    stats = summarize(turns, users=3, started=0.0, ended=8.0, chat_requests=10)
    assert (stats.turns, stats.answered, stats.errors, stats.timeouts) == (7, 4, 2, 1)
    assert stats.chat_requests == 10 and stats.chat_requests_per_s == pytest.approx(10 / 8)
    assert stats.mean == pytest.approx((0.1 + 0.3 + 0.3 + 0.4) / 4)
    assert stats.answered_per_s == pytest.approx(4 / 8)
    assert stats.bot_messages == 6 and stats.bot_messages_per_s == pytest.approx(6 / 8)
    # Only answered turns enter the percentiles: latencies 0.1, 0.3, 0.3, 0.4.
    assert stats.p50 == pytest.approx(0.3)
    assert stats.p95 == pytest.approx(0.385)
    assert stats.p99 == pytest.approx(0.397)
    assert stats.first_p95 == pytest.approx(0.385)  # first replies 0.1, 0.2, 0.3, 0.4
    assert stats.max_latency == pytest.approx(0.4)
    assert stats.users == 3


def test_summarize_of_nothing():
    stats = summarize([], users=1, started=0.0, ended=1.0)
    assert stats.answered == 0 and stats.p95 is None and stats.mean is None and stats.answered_per_s == 0


def test_cap_bound_is_the_interactive_response_time_law_under_telegrams_cap():
    # One request per answer: at most 30 answers/s; 50 users thinking 1 s each then wait at least 50/30 - 1 s.
    most, least = load.cap_bound(50, 1.0, 1.0)
    assert most == pytest.approx(30.0) and least == pytest.approx(50 / 30 - 1)
    # "typing…" and notifications make an answer cost more requests: fewer answers, a higher floor.
    most, least = load.cap_bound(50, 1.0, 1.25)
    assert most == pytest.approx(24.0) and least == pytest.approx(50 / 24 - 1)
    # Few users never reach the cap: no floor above zero.
    assert load.cap_bound(10, 1.0, 1.0) == (pytest.approx(30.0), 0.0)
    assert load.cap_bound(50, 1.0, 1.0, cap=60.0)[1] == pytest.approx(0.0)


def test_conversations_are_the_three_kinds():
    import random

    kinds = {load.conversation(random.Random(seed))[0] for seed in range(40)}
    assert kinds == {"faq", "prescreen", "employer"}
    assert load.PRESCREEN[-1] == ("text", "oui") and load.EMPLOYER[0] == ("button", "/employer_check")


async def test_tracker_reads_done_lines():
    tracker = load.TurnTracker()
    first, second = tracker.expect(1), tracker.expect(2)
    reader = asyncio.StreamReader()
    reader.feed_data(b"noise\nDONE 2\nDONE 99\nDONE x\n")
    reader.feed_eof()
    await tracker.read(reader)
    assert second.done() and not first.done()
    assert 99 not in tracker.waiting


class ScriptedBot:
    """Stands in for bench.botproc: polls getUpdates over HTTP, replies with sendMessage, reports DONE."""

    def __init__(self, api, tracker, behaviour):
        self.api, self.tracker, self.behaviour = api, tracker, behaviour
        self.task = None

    async def run(self):
        offset = 0
        async with httpx.AsyncClient(base_url=f"{self.api.base_url}/bot{self.api.token}") as client:
            while True:
                updates = (await client.post("/getUpdates", json={"offset": offset, "timeout": 1})).json()["result"]
                for update in updates:
                    offset = update["update_id"] + 1
                    asyncio.create_task(self.handle(client, update))

    async def handle(self, client, update):
        chat = (update.get("message") or update["callback_query"]["message"])["chat"]["id"]
        text = (update.get("message") or {}).get("text") or update["callback_query"]["data"]
        replies = self.behaviour(text)
        if replies is None:
            return  # never finishes: a timeout
        for reply in replies:
            await client.post("/sendMessage", json={"chat_id": chat, "text": reply})
        self.tracker.done(update["update_id"])


async def test_run_step_through_the_fake_bot_api(monkeypatch):
    api, fake = load.make_bench_api()
    await api.start()
    tracker = load.TurnTracker()

    def behaviour(text):
        if "salaire" in text:
            return ["Désolé, un problème technique m'a empêché de répondre."]
        if "limite d'age" in text:
            return None
        return ["Réponse.", "Autre chose ?"]

    monkeypatch.setattr(load, "FAQ_QUESTIONS", ["combien de temps dure ce contrat ?", "quel salaire ?",
                                                "y a t il une limite d'age"])
    bot = ScriptedBot(api, tracker, behaviour)
    task = asyncio.create_task(bot.run())
    try:
        cfg = load.LoadConfig(think=0.02, turn_timeout=0.3, seed=1)
        stats, turns = await load.run_step(api, fake, tracker, users=3, duration=0.6, cfg=cfg)
    finally:
        task.cancel()
        await api.stop()
    statuses = [t.status for t in turns]
    assert stats.turns == len(turns) > 0
    assert stats.answered == statuses.count("ok")
    assert stats.errors == statuses.count("error")
    assert stats.timeouts == statuses.count("timeout")
    assert stats.answered + stats.errors + stats.timeouts == stats.turns
    for t in turns:
        if t.status == "ok":
            assert [text for _, text in t.replies] == ["Réponse.", "Autre chose ?"]
            assert 0 < t.first_latency <= t.latency < 0.3
        if "salaire" in t.text:
            assert t.status == "error"
        if "limite d'age" in t.text:
            assert t.status == "timeout"
