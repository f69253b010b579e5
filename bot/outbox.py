"""Delivery of the storage outbox to Telegram, lead expiry, and the "user blocked the bot" marks.

One row at a time: claim (lease, own transaction) -> send -> mark delivered / failed (own transaction).
A graceful stop finishes the row in flight and claims no more, so a restart neither loses nor repeats
a notification; a hard crash between Telegram's acceptance and our commit can repeat one (the lease
expires and the row is retried), never lose it.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from telegram import InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot import render
from storage import (
    OPEN_LEAD_STATUSES,
    AuditLog,
    ClaimedNotification,
    Lead,
    Outbox,
    Person,
    Sponsor,
    StorageError,
    audit,
    claim_due_notifications,
    expire_leads,
    find_person,
    mark_delivered,
    mark_failed,
    mark_undeliverable,
)

logger = logging.getLogger(__name__)

BLOCK_ACTIONS = ("telegram.blocked", "telegram.unblocked")
NOT_LINKED = "sponsor not linked to a Telegram chat yet"
NOT_LINKED_RETRY = timedelta(hours=6)
LEASE = timedelta(minutes=2)
MAX_PER_RUN = 50


async def in_tx(app, fn, *args, **kwargs):
    """Run fn(session, *args, **kwargs) in one transaction, in a worker thread (the database API is
    synchronous)."""
    store = app.bot_data["store"]

    def work():
        with store.transaction() as session:
            return fn(session, *args, **kwargs)

    return await asyncio.to_thread(work)


def now_of(app):
    return app.bot_data["clock"]()


# --- blocked users ------------------------------------------------------------------------------


def is_blocked(session: Session, subject: str) -> bool:
    last = session.scalar(
        select(AuditLog.action)
        .where(AuditLog.subject == subject, AuditLog.action.in_(BLOCK_ACTIONS))
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    return last == "telegram.blocked"


def subjects_for_chat(session: Session, chat_id: int) -> list[str]:
    subjects = []
    person = find_person(session, "telegram", str(chat_id))
    if person is not None:
        subjects.append(f"person:{person.id}")
    for sponsor_id in session.scalars(select(Sponsor.id).where(Sponsor.telegram_chat_id == chat_id)):
        subjects.append(f"sponsor:{sponsor_id}")
    return subjects


def set_blocked(session: Session, chat_id: int, blocked: bool, now) -> list[str]:
    """Record (in the audit log, ids only) that this chat blocked or unblocked the bot."""
    changed = []
    for subject in subjects_for_chat(session, chat_id):
        if is_blocked(session, subject) != blocked:
            audit(session, "system", BLOCK_ACTIONS[0 if blocked else 1], subject, now)
            changed.append(subject)
    return changed


async def mark_chat_blocked(app, chat_id: int, blocked: bool = True) -> None:
    try:
        await in_tx(app, set_blocked, chat_id, blocked, now_of(app))
    except StorageError:
        logger.warning("could not record a blocked/unblocked chat")


# --- rendering of one notification ----------------------------------------------------------------


@dataclass
class Target:
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None


@dataclass
class Skip:
    reason: str
    retry_after: timedelta | None = None  # None: give up now; else try again later


def lead_summary(session: Session, lead: Lead) -> dict:
    """The pseudonymous summary written by the dialogue with the lead_new row; profile as a fallback."""
    payload = session.scalar(
        select(Outbox.payload).where(Outbox.lead_id == lead.id, Outbox.kind == "lead_new").limit(1)
    )
    summary = dict((payload or {}).get("summary") or {})
    if not summary:
        profile = lead.profile or {}
        summary = {
            "age_bracket": profile.get("age_bracket"),
            "certification": profile.get("certification") or profile.get("certification_code"),
            "department": profile.get("department"),
            "verdict_label": lead.verdict,
        }
    return summary


def sponsor_buttons(lead_id: int) -> InlineKeyboardMarkup:
    from telegram import InlineKeyboardButton

    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Prendre en charge", callback_data=f"s:a:{lead_id}"),
                InlineKeyboardButton("Décliner", callback_data=f"s:d:{lead_id}"),
            ]
        ]
    )


def resolve(session: Session, note: ClaimedNotification) -> Target | Skip:
    payload = note.payload or {}
    if note.recipient_kind == "sponsor":
        sponsor = session.get(Sponsor, int(note.recipient_id)) if note.recipient_id.isdigit() else None
        if sponsor is None or not sponsor.active:
            return Skip("sponsor unknown or inactive")
        if not sponsor.telegram_chat_id:
            return Skip(NOT_LINKED, NOT_LINKED_RETRY)
        if is_blocked(session, f"sponsor:{sponsor.id}"):
            return Skip("recipient blocked the bot")
        chat_id = sponsor.telegram_chat_id
        if note.kind == "lead_new":
            lead = session.get(Lead, note.lead_id or payload.get("lead_id") or 0)
            if lead is None or lead.sponsor_id != sponsor.id or lead.status not in OPEN_LEAD_STATUSES:
                return Skip("lead closed before delivery")
            text = render.lead_summary_html(lead.id, payload.get("summary") or lead_summary(session, lead))
            text += "\n\nLes coordonnées vous seront communiquées si vous prenez la demande en charge."
            return Target(chat_id, text, sponsor_buttons(lead.id))
    elif note.recipient_kind == "person":
        person = session.get(Person, int(note.recipient_id)) if note.recipient_id.isdigit() else None
        if person is None or person.deleted_at is not None:
            return Skip("person deleted")
        if person.channel != "telegram" or not person.channel_id.lstrip("-").isdigit():
            return Skip(f"recipient on channel {person.channel}, not Telegram")
        if is_blocked(session, f"person:{person.id}"):
            return Skip("recipient blocked the bot")
        chat_id = int(person.channel_id)
        lead = session.get(Lead, note.lead_id or payload.get("lead_id") or 0)
        lead_id = lead.id if lead else payload.get("lead_id", "?")
        sponsor = lead.sponsor if lead else None
        if note.kind == "lead_accepted":
            name = sponsor.name if sponsor else "un porteur de projet"
            text = render.candidate_accepted_text(
                lead_id, name, person.contact_preference, person.contact_value
            )
            return Target(chat_id, text)
        if note.kind == "lead_declined":
            return Target(chat_id, render.candidate_declined_text(lead_id, sponsor.name if sponsor else ""))
        if note.kind == "lead_expired":
            return Target(chat_id, render.candidate_expired_text(lead_id, sponsor.name if sponsor else None))
    else:
        return Skip(f"unknown recipient kind {note.recipient_kind}")
    if payload.get("text"):
        return Target(chat_id, render.to_html(str(payload["text"])))
    return Skip(f"no Telegram rendering for kind {note.kind}")


def revive_unlinked(session: Session, sponsor_id: int, now) -> int:
    """After a sponsor links their chat: notifications that gave up only because the chat was missing
    become due again (storage's redeem already reschedules the ones still pending)."""
    return session.execute(
        update(Outbox)
        .where(
            Outbox.recipient_kind == "sponsor",
            Outbox.recipient_id == str(sponsor_id),
            Outbox.delivered_at.is_(None),
            Outbox.failed_at.is_not(None),
            Outbox.last_error == NOT_LINKED,
        )
        .values(failed_at=None, attempts=0, next_attempt_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount


# --- the job --------------------------------------------------------------------------------------


def retry_after_of(exc: RetryAfter) -> timedelta:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


async def outbox_job(context) -> None:
    await run_outbox(context.application)


def kick(app) -> None:
    """Deliver soon (after a write that queued a notification) instead of waiting for the next tick."""
    if app.job_queue is not None and app.running:
        app.job_queue.run_once(outbox_job, 0, name="outbox-kick")


async def run_outbox(app, max_rows: int = MAX_PER_RUN) -> int:
    """Expire overdue leads, then deliver due notifications one by one. Returns how many were sent."""
    lock: asyncio.Lock = app.bot_data.setdefault("outbox_lock", asyncio.Lock())
    if lock.locked():
        return 0
    sent = 0
    async with lock:
        try:
            expired = await in_tx(app, expire_leads, now_of(app))
            if expired:
                logger.info("%d lead(s) expired", len(expired))
            for _ in range(max_rows):
                if not app.running:
                    break
                claimed = await in_tx(app, claim_due_notifications, now_of(app), 1, lease=LEASE)
                if not claimed:
                    break
                outcome = await deliver(app, claimed[0])
                sent += outcome == "sent"
                if outcome == "pause":
                    break
        except StorageError as error:
            logger.warning("outbox: database unavailable (%s); next run will retry", type(error).__name__)
    return sent


async def deliver(app, note: ClaimedNotification) -> str:
    target = await in_tx(app, resolve, note)
    if isinstance(target, Skip):
        if target.retry_after is not None:
            await in_tx(app, mark_failed, note.id, note.lease_token, target.reason, now_of(app),
                        retry_after=target.retry_after)
            return "later"
        await in_tx(app, mark_undeliverable, note.id, note.lease_token, target.reason, now_of(app))
        logger.info("outbox %s (%s) not delivered: %s", note.id, note.kind, target.reason)
        return "skipped"
    try:
        await app.bot.send_message(
            target.chat_id,
            target.text,
            parse_mode=ParseMode.HTML,
            reply_markup=target.markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    except RetryAfter as error:
        delay = retry_after_of(error)
        await in_tx(app, mark_failed, note.id, note.lease_token, f"RetryAfter {delay.total_seconds():.0f}s",
                    now_of(app), retry_after=delay)
        return "pause"
    except Forbidden as error:
        await in_tx(app, mark_undeliverable, note.id, note.lease_token, f"Forbidden: {error.message}", now_of(app))
        await mark_chat_blocked(app, target.chat_id)
        return "skipped"
    except BadRequest as error:
        if "chat not found" in error.message.lower():
            await in_tx(app, mark_undeliverable, note.id, note.lease_token, f"BadRequest: {error.message}",
                        now_of(app))
            return "skipped"
        await in_tx(app, mark_failed, note.id, note.lease_token, f"BadRequest: {error.message}", now_of(app))
        return "failed"
    except TelegramError as error:  # NetworkError, TimedOut, 5xx
        await in_tx(app, mark_failed, note.id, note.lease_token, f"{type(error).__name__}: {error.message}",
                    now_of(app))
        return "failed"
    await in_tx(app, mark_delivered, note.id, note.lease_token, now_of(app))
    return "sent"
