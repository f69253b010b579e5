"""Outbox delivery: backoff, RetryAfter, timeouts, blocked users, restarts, expiry. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from conftest import wait_for
from fakebotapi import message, my_chat_member
from tgseed import add_lead, add_sponsor, lead_status, outbox_rows, sponsor_row

from bot.outbox import NOT_LINKED
from storage import claim_due_notifications, create_sponsor_invite, enqueue_notification

SPONSOR_CHAT, CANDIDATE = 9001, 9501


def _row(store, lead_id, kind="lead_new"):
    return next(r for r in outbox_rows(store) if r.lead_id == lead_id and r.kind == kind)


async def test_failures_are_retried_with_exponential_backoff(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT)
    api.fail("sendMessage", "500", times=2, chat_id=SPONSOR_CHAT)
    lead = add_lead(store, clock.now, sponsor, CANDIDATE)
    start = clock.now
    await make_bot(store)
    await wait_for(lambda: _row(store, lead).attempts == 1 and _row(store, lead).lease_until is None)
    row = _row(store, lead)
    assert row.next_attempt_at == start + timedelta(seconds=30) and "NetworkError" in row.last_error
    clock.advance(seconds=31)
    await wait_for(lambda: _row(store, lead).attempts == 2 and _row(store, lead).lease_until is None)
    assert _row(store, lead).next_attempt_at == clock.now + timedelta(seconds=60)
    await asyncio.sleep(0.3)
    assert len(api.sent(SPONSOR_CHAT)) == 2  # nothing before the next attempt is due
    clock.advance(seconds=61)
    await wait_for(lambda: _row(store, lead).delivered_at is not None)
    assert len(api.sent(SPONSOR_CHAT)) == 3 and lead_status(store, lead) == "notified"


async def test_retry_after_is_honoured(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT)
    api.fail("sendMessage", "429", chat_id=SPONSOR_CHAT, retry_after=120)
    lead = add_lead(store, clock.now, sponsor, CANDIDATE)
    await make_bot(store)
    await wait_for(lambda: _row(store, lead).attempts == 1 and _row(store, lead).lease_until is None)
    assert _row(store, lead).next_attempt_at == clock.now + timedelta(seconds=120)
    clock.advance(seconds=60)
    await asyncio.sleep(0.3)
    assert len(api.sent(SPONSOR_CHAT)) == 1
    clock.advance(seconds=61)
    await wait_for(lambda: _row(store, lead).delivered_at is not None)


async def test_a_telegram_that_hangs_times_out_and_is_retried(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT)
    api.fail("sendMessage", "hang", chat_id=SPONSOR_CHAT, hang_seconds=1.3)
    lead = add_lead(store, clock.now, sponsor, CANDIDATE)
    await make_bot(store)
    await wait_for(lambda: _row(store, lead).last_error, timeout=5)
    assert "TimedOut" in _row(store, lead).last_error and _row(store, lead).delivered_at is None
    clock.advance(seconds=31)
    await wait_for(lambda: _row(store, lead).delivered_at is not None)


async def test_a_user_who_blocked_the_bot_is_marked_and_not_sent_to_again(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT)
    add_lead(store, clock.now, sponsor, CANDIDATE)  # the candidate's person row
    with store.transaction() as s:
        enqueue_notification(s, "person", str(_person_id(s, CANDIDATE)), "info", {"text": "Premier message"},
                             "info:1", clock.now)
    api.fail("sendMessage", "403", chat_id=CANDIDATE)
    await make_bot(store)
    await wait_for(lambda: next(r for r in outbox_rows(store) if r.kind == "info").failed_at is not None)
    assert "blocked" in next(r for r in outbox_rows(store) if r.kind == "info").last_error

    with store.transaction() as s:
        enqueue_notification(s, "person", str(_person_id(s, CANDIDATE)), "info", {"text": "Second"}, "info:2",
                             clock.now)
    await wait_for(lambda: all(r.failed_at or r.delivered_at for r in outbox_rows(store)))
    assert len(api.sent(CANDIDATE)) == 1  # only the attempt that revealed the block
    assert outbox_rows(store)[-1].last_error == "recipient blocked the bot"

    api.push(my_chat_member(CANDIDATE, "kicked", "member"))  # the user restarted the bot
    await asyncio.sleep(0.3)
    with store.transaction() as s:
        enqueue_notification(s, "person", str(_person_id(s, CANDIDATE)), "info", {"text": "Troisième"},
                             "info:3", clock.now)
    await wait_for(lambda: api.texts(CANDIDATE)[1:] == ["Troisième"])


def _person_id(session, chat_id):
    from storage import find_person

    return find_person(session, "telegram", str(chat_id)).id


async def test_blocking_reported_by_telegram_stops_sponsor_notifications(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT)
    await make_bot(store)
    api.push(my_chat_member(SPONSOR_CHAT, "member", "kicked"))
    await asyncio.sleep(0.3)
    lead = add_lead(store, clock.now, sponsor, CANDIDATE)
    await wait_for(lambda: _row(store, lead).failed_at is not None)
    assert api.sent(SPONSOR_CHAT) == []


async def test_no_notification_lost_or_duplicated_across_a_restart(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT, capacity=10)
    leads = [add_lead(store, clock.now, sponsor, CANDIDATE + i) for i in range(6)]
    api.send_delay = 0.3  # a slow Telegram: the stop lands in the middle of a delivery
    first = await make_bot(store)
    await wait_for(lambda: api.sent(SPONSOR_CHAT), interval=0.01)
    await first.stop()  # graceful stop while a sendMessage is in flight
    delivered_before = sum(r.delivered_at is not None for r in outbox_rows(store))
    assert 1 <= delivered_before < 6
    assert all(r.lease_until is None for r in outbox_rows(store))  # nothing left leased

    api.send_delay = 0
    await make_bot(store)
    await wait_for(lambda: all(r.delivered_at for r in outbox_rows(store)))
    numbers = [int(re.search(r"n° (\d+)", t).group(1)) for t in api.texts(SPONSOR_CHAT)]
    assert sorted(numbers) == leads  # each exactly once


async def test_a_worker_that_died_mid_delivery_leaves_nothing_lost(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT)
    lead = add_lead(store, clock.now, sponsor, CANDIDATE)
    with store.transaction() as s:  # a crashed bot had claimed the row and never confirmed it
        assert claim_due_notifications(s, clock.now, 10)
    await make_bot(store)
    await asyncio.sleep(0.3)
    assert api.sent(SPONSOR_CHAT) == []  # still leased by the dead worker
    clock.advance(minutes=3)
    await wait_for(lambda: _row(store, lead).delivered_at is not None)
    assert len(api.sent(SPONSOR_CHAT)) == 1


async def test_lead_expiry_tells_the_candidate_and_frees_the_place(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT, capacity=1, name="GEIQ Exemple")
    lead = add_lead(store, clock.now, sponsor, CANDIDATE, expires_in=timedelta(days=7))
    await make_bot(store)
    await wait_for(lambda: lead_status(store, lead) == "notified")
    assert sponsor_row(store, sponsor).remaining == 0
    clock.advance(days=7, seconds=1)
    told = (await wait_for(lambda: api.texts(CANDIDATE)))[0]
    assert "n'a pas été prise en charge par <b>GEIQ Exemple</b>" in told
    assert lead_status(store, lead) == "expired" and sponsor_row(store, sponsor).remaining == 1


async def test_an_unlinked_sponsor_gets_the_lead_once_linked(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=None)
    lead = add_lead(store, clock.now, sponsor, CANDIDATE)
    await make_bot(store)
    await wait_for(lambda: _row(store, lead).last_error == NOT_LINKED)
    with store.transaction() as s:  # as if it had given up after its last attempt
        row = s.get(type(_row(store, lead)), _row(store, lead).id)
        row.failed_at = clock.now
        code = create_sponsor_invite(s, "sp1", clock.now)
    api.push(message(SPONSOR_CHAT, f"/porteur {code}"))
    note = await wait_for(lambda: [t for t in api.texts(SPONSOR_CHAT) if "Nouvelle demande" in t])
    assert f"n° {lead}" in note[0]


async def test_notifications_for_console_users_are_not_sent_to_telegram(api, store, clock, make_bot):
    sponsor = add_sponsor(store, clock.now, chat_id=SPONSOR_CHAT)
    lead = add_lead(store, clock.now, sponsor, "local", channel="console")
    await make_bot(store)
    await wait_for(lambda: lead_status(store, lead) == "notified")
    api.push(message(SPONSOR_CHAT, "/leads"))
    await wait_for(lambda: len(api.sent(SPONSOR_CHAT)) == 2)
    from fakebotapi import callback

    api.push(callback(SPONSOR_CHAT, f"s:a:{lead}"))
    await wait_for(lambda: any(r.kind == "lead_accepted" and r.failed_at for r in outbox_rows(store)))
    row = next(r for r in outbox_rows(store) if r.kind == "lead_accepted")
    assert "console" in row.last_error
