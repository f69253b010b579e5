"""Service functions. Each takes a Session inside a transaction the caller owns (Store.transaction())
and an explicit `now` (timezone-aware UTC) wherever time matters, so tests control the clock."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import CapacityExhausted, DuplicateNotification, InvalidInvite, LeadClosed, LeadNotFound
from storage.models import (
    OPEN_LEAD_STATUSES,
    AuditLog,
    Consent,
    EmployerLead,
    HandoffRequest,
    Lead,
    Outbox,
    Person,
    Sponsor,
    SponsorInvite,
)

DEFAULT_LEAD_TTL = timedelta(days=7)
DEFAULT_LEASE = timedelta(minutes=2)
DEFAULT_MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
# Profile keys kept on an anonymised lead (for statistics); everything else is erased.
STATISTICS_KEYS = frozenset(
    {
        "situation",
        "certification",
        "certification_code",
        "target_kind",
        "sector",
        "department",
        "age_bracket",
        "verdict",
    }
)


def utcnow() -> datetime:
    """For adapters (bot, actions, CLI) only; service functions take `now`."""
    return datetime.now(timezone.utc)


def audit(
    session: Session,
    actor: str,
    action: str,
    subject: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """Record who did what to which id. Never put names, contacts or free text in details."""
    session.add(AuditLog(actor=actor, action=action, subject=subject, at=now, details=details or {}))


# --- people and consent -------------------------------------------------------------------------


def find_person(session: Session, channel: str, channel_id: str) -> Person | None:
    return session.scalar(
        select(Person).where(Person.channel == channel, Person.channel_id == str(channel_id))
    )


def get_or_create_person(session: Session, channel: str, channel_id: str, now: datetime) -> Person:
    person = find_person(session, channel, channel_id)
    if person is not None:
        return person
    try:
        # Savepoint: a concurrent insert of the same pair must not poison the caller's transaction.
        with session.begin_nested():
            person = Person(channel=channel, channel_id=str(channel_id), created_at=now)
            session.add(person)
    except IntegrityError:
        person = find_person(session, channel, channel_id)
        assert person is not None
    return person


def set_person_details(
    session: Session,
    person: Person,
    *,
    first_name: str | None = None,
    contact_preference: str | None = None,
    contact_value: str | None = None,
) -> Person:
    """Only non-None arguments are written."""
    if first_name is not None:
        person.first_name = first_name
    if contact_preference is not None:
        person.contact_preference = contact_preference
    if contact_value is not None:
        person.contact_value = contact_value
    session.flush()
    return person


def record_consent(
    session: Session, person: Person, *, purpose: str, text: str, version: str, now: datetime
) -> Consent:
    consent = Consent(person_id=person.id, purpose=purpose, text=text, version=version, given_at=now)
    session.add(consent)
    session.flush()
    audit(
        session,
        f"person:{person.id}",
        "consent.given",
        f"consent:{consent.id}",
        now,
        {"purpose": purpose, "version": version},
    )
    return consent


def withdraw_consent(session: Session, person: Person, *, purpose: str, now: datetime) -> int:
    result = session.execute(
        update(Consent)
        .where(Consent.person_id == person.id, Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    if result.rowcount:
        audit(
            session,
            f"person:{person.id}",
            "consent.withdrawn",
            f"person:{person.id}",
            now,
            {"purpose": purpose},
        )
    return result.rowcount


# --- leads --------------------------------------------------------------------------------------


def _after_lead_insert(session: Session, lead: Lead) -> None:
    """Test seam: tests monkeypatch this to inject a failure between the lead and its outbox row."""


def create_lead_with_notification(
    session: Session,
    person: Person,
    profile: dict[str, Any],
    verdict: str,
    sponsor_id: int | None,
    consent: Consent,
    *,
    now: datetime,
    summary: dict[str, Any] | None = None,
    expires_in: timedelta | None = DEFAULT_LEAD_TTL,
    dedup_key: str | None = None,
) -> Lead:
    """Insert the lead, take one unit of sponsor capacity and queue the sponsor notification, all or nothing.

    Runs in a savepoint: on CapacityExhausted / DuplicateNotification / any error nothing of the three is
    left, and the caller's surrounding transaction (person, consent) stays usable.
    sponsor_id None = general queue: no capacity, no notification (operators list these leads).
    `summary` is the pseudonymous text data for the sponsor message (no contact details).
    """
    if consent.person_id != person.id:
        raise ValueError("the consent belongs to another person")
    try:
        with session.begin_nested():
            lead = Lead(
                person_id=person.id,
                consent_id=consent.id,
                profile=dict(profile),
                verdict=verdict,
                sponsor_id=sponsor_id,
                status="new",
                created_at=now,
                updated_at=now,
                expires_at=now + expires_in if expires_in else None,
            )
            session.add(lead)
            session.flush()
            _after_lead_insert(session, lead)
            if sponsor_id is not None:
                # Atomic conditional update: two concurrent leads can never both take the last place.
                taken = session.execute(
                    update(Sponsor)
                    .where(
                        Sponsor.id == sponsor_id, Sponsor.active.is_(True), Sponsor.used < Sponsor.capacity
                    )
                    .values(used=Sponsor.used + 1)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if taken != 1:
                    raise CapacityExhausted(f"sponsor {sponsor_id} has no remaining capacity")
                session.add(
                    Outbox(
                        recipient_kind="sponsor",
                        recipient_id=str(sponsor_id),
                        kind="lead_new",
                        payload={"lead_id": lead.id, "verdict": verdict, "summary": summary or {}},
                        dedup_key=dedup_key or f"lead_new:{lead.id}",
                        lead_id=lead.id,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                session.flush()
            audit(
                session,
                f"person:{person.id}",
                "lead.created",
                f"lead:{lead.id}",
                now,
                {"sponsor_id": sponsor_id, "verdict": verdict},
            )
            session.flush()
    except IntegrityError as exc:
        if "dedup_key" in str(exc.orig):
            raise DuplicateNotification(dedup_key or "lead_new") from exc
        raise
    if sponsor_id is not None:
        sponsor = session.get(Sponsor, sponsor_id)
        if sponsor is not None:
            session.refresh(sponsor, ["used"])  # the UPDATE bypassed the identity map
    return lead


def record_employer_lead(
    session: Session,
    person: Person,
    *,
    employer_kind: str,
    sector: str | None,
    certification: str | None,
    hires: int | None,
    department: str | None,
    verdict: str,
    now: datetime,
    sponsor_id: int | None = None,
) -> EmployerLead:
    lead = EmployerLead(
        person_id=person.id,
        employer_kind=employer_kind,
        sector=sector,
        certification=certification,
        hires=hires,
        department=department,
        verdict=verdict,
        sponsor_id=sponsor_id,
        status="new",
        created_at=now,
    )
    session.add(lead)
    session.flush()
    audit(session, f"person:{person.id}", "employer_lead.created", f"employer_lead:{lead.id}", now)
    return lead


def request_handoff(session: Session, person: Person, reason: str, now: datetime) -> HandoffRequest:
    req = HandoffRequest(person_id=person.id, reason=reason, created_at=now, status="open")
    session.add(req)
    session.flush()
    audit(session, f"person:{person.id}", "handoff.requested", f"handoff:{req.id}", now)
    return req


def open_leads_for_sponsor(session: Session, sponsor_id: int) -> list[Lead]:
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.sponsor_id == sponsor_id, Lead.status.in_(OPEN_LEAD_STATUSES))
            .order_by(Lead.id)
        )
    )


def general_queue(session: Session) -> list[Lead]:
    """Open leads without a sponsor, for operators."""
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.sponsor_id.is_(None), Lead.status.in_(OPEN_LEAD_STATUSES))
            .order_by(Lead.id)
        )
    )


def get_lead_for_sponsor(session: Session, sponsor_id: int, lead_id: int) -> Lead:
    """The only way the bot should fetch a lead for a sponsor: another sponsor's lead is 'not found'."""
    lead = session.get(Lead, lead_id)
    if lead is None or lead.sponsor_id != sponsor_id:
        raise LeadNotFound(str(lead_id))
    return lead


def _release_capacity(session: Session, sponsor_id: int | None) -> None:
    if sponsor_id is not None:
        session.execute(
            update(Sponsor)
            .where(Sponsor.id == sponsor_id, Sponsor.used > 0)
            .values(used=Sponsor.used - 1)
            .execution_options(synchronize_session=False)
        )


def decide_lead(session: Session, sponsor_id: int, lead_id: int, *, accept: bool, now: datetime) -> Lead:
    """Accept or decline an open lead. Declining gives the capacity unit back. The candidate is told
    through an outbox row (kind lead_accepted / lead_declined, recipient person)."""
    lead = get_lead_for_sponsor(session, sponsor_id, lead_id)
    status = "accepted" if accept else "declined"
    # Conditional update so a double click (or two operators) cannot decide twice.
    changed = session.execute(
        update(Lead)
        .where(Lead.id == lead.id, Lead.status.in_(OPEN_LEAD_STATUSES))
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.refresh(lead)
        raise LeadClosed(f"lead {lead_id} is {lead.status}")
    session.refresh(lead)
    if not accept:
        _release_capacity(session, sponsor_id)
    if lead.person_id is not None:
        enqueue_notification(
            session,
            "person",
            str(lead.person_id),
            f"lead_{status}",
            {"lead_id": lead.id, "sponsor_id": sponsor_id},
            f"lead_{status}:{lead.id}",
            now,
            lead_id=lead.id,
        )
    audit(session, f"sponsor:{sponsor_id}", f"lead.{status}", f"lead:{lead.id}", now)
    return lead


def expire_leads(session: Session, now: datetime) -> list[Lead]:
    """Open leads past expires_at become expired; capacity is released and the candidate told."""
    leads = list(
        session.scalars(
            select(Lead).where(Lead.status.in_(OPEN_LEAD_STATUSES), Lead.expires_at <= now).with_for_update()
        )
    )
    for lead in leads:
        lead.status = "expired"
        lead.updated_at = now
        _release_capacity(session, lead.sponsor_id)
        if lead.person_id is not None:
            enqueue_notification(
                session,
                "person",
                str(lead.person_id),
                "lead_expired",
                {"lead_id": lead.id},
                f"lead_expired:{lead.id}",
                now,
                lead_id=lead.id,
            )
        audit(session, "system", "lead.expired", f"lead:{lead.id}", now)
    session.flush()
    return leads


# --- personal data ------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def personal_data_of(session: Session, channel: str, channel_id: str) -> dict[str, Any]:
    """Everything stored about a person, for "mes données". Empty dict when nothing is stored."""
    person = find_person(session, channel, channel_id)
    if person is None:
        return {}
    consents = session.scalars(select(Consent).where(Consent.person_id == person.id).order_by(Consent.id))
    leads = session.scalars(select(Lead).where(Lead.person_id == person.id).order_by(Lead.id))
    employer = session.scalars(
        select(EmployerLead).where(EmployerLead.person_id == person.id).order_by(EmployerLead.id)
    )
    handoffs = session.scalars(
        select(HandoffRequest).where(HandoffRequest.person_id == person.id).order_by(HandoffRequest.id)
    )
    return {
        "person": {
            "channel": person.channel,
            "channel_id": person.channel_id,
            "first_name": person.first_name,
            "contact_preference": person.contact_preference,
            "contact_value": person.contact_value,
            "created_at": _iso(person.created_at),
        },
        "consents": [
            {
                "purpose": c.purpose,
                "version": c.version,
                "text": c.text,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in consents
        ],
        "leads": [
            {
                "id": lead.id,
                "status": lead.status,
                "verdict": lead.verdict,
                "profile": lead.profile,
                "sponsor": lead.sponsor.name if lead.sponsor else None,
                "created_at": _iso(lead.created_at),
            }
            for lead in leads
        ],
        "employer_leads": [
            {
                "id": e.id,
                "employer_kind": e.employer_kind,
                "sector": e.sector,
                "certification": e.certification,
                "hires": e.hires,
                "department": e.department,
                "verdict": e.verdict,
                "status": e.status,
                "created_at": _iso(e.created_at),
            }
            for e in employer
        ],
        "handoff_requests": [
            {"id": h.id, "reason": h.reason, "status": h.status, "created_at": _iso(h.created_at)}
            for h in handoffs
        ],
    }


def _anonymise_profile(profile: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in profile.items() if k in STATISTICS_KEYS}
    age = profile.get("age")
    if isinstance(age, int) and "age_bracket" not in kept:
        kept["age_bracket"] = "16-25" if age < 26 else "26-44" if age < 45 else "45+"
    return kept


def _erase_person(session: Session, person: Person, now: datetime, actor: str) -> None:
    pid = person.id
    for lead in list(session.scalars(select(Lead).where(Lead.person_id == pid))):
        if lead.status in OPEN_LEAD_STATUSES:
            lead.status = "withdrawn"
            _release_capacity(session, lead.sponsor_id)
        lead.profile = _anonymise_profile(lead.profile)
        lead.person_id = None
        lead.consent_id = None
        lead.anonymised_at = now
        lead.updated_at = now
        # Undelivered notifications about this lead are dropped; delivered ones lose their payload.
        session.execute(delete(Outbox).where(Outbox.lead_id == lead.id, Outbox.delivered_at.is_(None)))
        session.execute(update(Outbox).where(Outbox.lead_id == lead.id).values(payload={}))
    session.execute(
        delete(Outbox).where(
            Outbox.recipient_kind == "person", Outbox.recipient_id == str(pid), Outbox.delivered_at.is_(None)
        )
    )
    session.execute(
        update(Outbox)
        .where(Outbox.recipient_kind == "person", Outbox.recipient_id == str(pid))
        .values(payload={})
    )
    session.execute(update(EmployerLead).where(EmployerLead.person_id == pid).values(person_id=None))
    session.execute(delete(HandoffRequest).where(HandoffRequest.person_id == pid))
    session.execute(delete(Consent).where(Consent.person_id == pid))
    # Keep a tombstone row (counts deletions) but nothing that identifies the person;
    # the channel id is replaced so the same chat can start afresh.
    person.channel_id = f"deleted:{pid}"
    person.first_name = person.contact_preference = person.contact_value = None
    person.deleted_at = now
    session.flush()
    audit(session, actor, "person.data_deleted", f"person:{pid}", now)


def delete_personal_data(session: Session, channel: str, channel_id: str, now: datetime) -> bool:
    """Erase a person's data on request. Returns False when nothing was stored."""
    person = find_person(session, channel, channel_id)
    if person is None:
        return False
    _erase_person(session, person, now, actor=f"person:{person.id}")
    return True


def purge_personal_data(session: Session, older_than: datetime, now: datetime) -> int:
    """Erase people with no activity (creation, consent, lead) since older_than. Returns how many."""
    recent_consent = exists().where(Consent.person_id == Person.id, Consent.given_at >= older_than)
    recent_lead = exists().where(Lead.person_id == Person.id, Lead.created_at >= older_than)
    recent_employer = exists().where(
        EmployerLead.person_id == Person.id, EmployerLead.created_at >= older_than
    )
    people = list(
        session.scalars(
            select(Person).where(
                Person.deleted_at.is_(None),
                Person.created_at < older_than,
                ~recent_consent,
                ~recent_lead,
                ~recent_employer,
            )
        )
    )
    for person in people:
        _erase_person(session, person, now, actor="system")
    return len(people)


# --- sponsors -----------------------------------------------------------------------------------


def sync_sponsors_from_directory(
    session: Session, entries: Iterable[dict[str, Any]], now: datetime
) -> dict[str, int]:
    """Upsert sponsors by key from the knowledge directory. Keeps `used` and the linked Telegram chat;
    sponsors missing from the directory are deactivated, not deleted (leads point at them)."""
    counts = {"created": 0, "updated": 0, "deactivated": 0}
    seen: set[str] = set()
    for entry in entries:
        key = str(entry["key"])
        seen.add(key)
        fields = {
            "name": entry["name"],
            "kind": entry.get("kind", "other"),
            "departments": list(entry.get("departments", [])),
            "certifications": list(entry.get("certifications", [])),
            "sectors": list(entry.get("sectors", [])),
            "capacity": int(entry.get("capacity", 0)),
            "active": bool(entry.get("active", True)),
            "demo": bool(entry.get("demo", False)),
        }
        sponsor = session.scalar(select(Sponsor).where(Sponsor.key == key))
        if sponsor is None:
            session.add(Sponsor(key=key, used=0, created_at=now, updated_at=now, **fields))
            counts["created"] += 1
        elif any(getattr(sponsor, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(sponsor, k, v)
            sponsor.updated_at = now
            counts["updated"] += 1
    for sponsor in session.scalars(select(Sponsor).where(Sponsor.active.is_(True))):
        if sponsor.key not in seen:
            sponsor.active = False
            sponsor.updated_at = now
            counts["deactivated"] += 1
    session.flush()
    return counts


def get_sponsor(session: Session, key: str) -> Sponsor | None:
    return session.scalar(select(Sponsor).where(Sponsor.key == key))


def list_sponsors(session: Session) -> list[Sponsor]:
    return list(session.scalars(select(Sponsor).order_by(Sponsor.key)))


def sponsor_for_chat(session: Session, chat_id: int) -> Sponsor | None:
    return session.scalar(
        select(Sponsor).where(Sponsor.telegram_chat_id == chat_id, Sponsor.active.is_(True))
    )


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def create_sponsor_invite(
    session: Session, sponsor_key: str, now: datetime, ttl: timedelta = timedelta(days=7)
) -> str:
    """Returns the one-time code to hand to the sponsor; only its hash is stored."""
    sponsor = get_sponsor(session, sponsor_key)
    if sponsor is None:
        raise LookupError(f"unknown sponsor {sponsor_key!r}")
    code = secrets.token_hex(5).upper()
    session.add(
        SponsorInvite(code_hash=_hash_code(code), sponsor_id=sponsor.id, created_at=now, expires_at=now + ttl)
    )
    audit(session, "operator", "sponsor.invite_created", f"sponsor:{sponsor.id}", now)
    session.flush()
    return code


def redeem_sponsor_invite(session: Session, code: str, chat_id: int, now: datetime) -> Sponsor:
    """Link a Telegram chat to the sponsor; the code works once. Pending notifications become due now."""
    invite = session.scalar(select(SponsorInvite).where(SponsorInvite.code_hash == _hash_code(code)))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise InvalidInvite("unknown, used or expired code")
    claimed = session.execute(
        update(SponsorInvite)
        .where(SponsorInvite.id == invite.id, SponsorInvite.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise InvalidInvite("unknown, used or expired code")
    sponsor = session.get(Sponsor, invite.sponsor_id)
    assert sponsor is not None
    sponsor.telegram_chat_id = chat_id
    sponsor.updated_at = now
    session.execute(
        update(Outbox)
        .where(
            Outbox.recipient_kind == "sponsor",
            Outbox.recipient_id == str(sponsor.id),
            Outbox.delivered_at.is_(None),
            Outbox.failed_at.is_(None),
        )
        .values(next_attempt_at=now)
    )
    audit(session, f"sponsor:{sponsor.id}", "sponsor.linked", f"sponsor:{sponsor.id}", now)
    session.flush()
    return sponsor


# --- outbox -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimedNotification:
    id: int
    lease_token: str
    recipient_kind: str
    recipient_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # including this one
    lead_id: int | None


def enqueue_notification(
    session: Session,
    recipient_kind: str,
    recipient_id: str,
    kind: str,
    payload: dict[str, Any],
    dedup_key: str,
    now: datetime,
    lead_id: int | None = None,
) -> Outbox | None:
    """Queue a notification; returns None (and writes nothing) if dedup_key was already queued."""
    if session.scalar(select(Outbox.id).where(Outbox.dedup_key == dedup_key)) is not None:
        return None
    row = Outbox(
        recipient_kind=recipient_kind,
        recipient_id=recipient_id,
        kind=kind,
        payload=payload,
        dedup_key=dedup_key,
        lead_id=lead_id,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def claim_due_notifications(
    session: Session,
    now: datetime,
    limit: int = 10,
    *,
    lease: timedelta = DEFAULT_LEASE,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> list[ClaimedNotification]:
    """Lease up to `limit` due rows. Commit right after (own transaction) so other workers see the lease.

    Each row is taken with a compare-and-set UPDATE (only if still unleased or its lease expired), so two
    workers never hold the same row; a worker that dies mid-delivery leaves a lease that expires and the
    row is retried. Choose `lease` longer than one delivery takes.
    """
    unleased = or_(Outbox.lease_until.is_(None), Outbox.lease_until <= now)
    # A worker that crashed on its last allowed attempt leaves a row no one may retry: close it.
    session.execute(
        update(Outbox)
        .where(
            Outbox.delivered_at.is_(None),
            Outbox.failed_at.is_(None),
            Outbox.attempts >= max_attempts,
            unleased,
        )
        .values(failed_at=now, lease_until=None, last_error="lease expired on the last attempt")
        .execution_options(synchronize_session=False)
    )
    due = and_(
        Outbox.delivered_at.is_(None),
        Outbox.failed_at.is_(None),
        Outbox.next_attempt_at <= now,
        Outbox.attempts < max_attempts,
        unleased,
    )
    # SKIP LOCKED (PostgreSQL; ignored on SQLite, whose writers are serialised anyway) lets concurrent
    # workers pick different rows instead of queueing on the same ones.
    candidates = list(
        session.scalars(
            select(Outbox.id)
            .where(due)
            .order_by(Outbox.next_attempt_at, Outbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    claimed = []
    for row_id in candidates:
        token = str(uuid.uuid4())
        won = session.execute(
            update(Outbox)
            .where(Outbox.id == row_id, due)
            .values(lease_until=now + lease, lease_token=token, attempts=Outbox.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won == 1:
            row = session.get(Outbox, row_id, populate_existing=True)
            assert row is not None
            claimed.append(
                ClaimedNotification(
                    row.id,
                    token,
                    row.recipient_kind,
                    row.recipient_id,
                    row.kind,
                    dict(row.payload),
                    row.attempts,
                    row.lead_id,
                )
            )
    return claimed


def mark_delivered(session: Session, notification_id: int, lease_token: str, now: datetime) -> bool:
    """False if the lease was lost (another worker re-claimed the row): that worker owns it now."""
    done = session.execute(
        update(Outbox)
        .where(Outbox.id == notification_id, Outbox.lease_token == lease_token, Outbox.delivered_at.is_(None))
        .values(delivered_at=now, lease_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        return False
    row = session.get(Outbox, notification_id, populate_existing=True)
    if row is not None and row.kind == "lead_new" and row.lead_id is not None:
        session.execute(
            update(Lead)
            .where(Lead.id == row.lead_id, Lead.status == "new")
            .values(status="notified", updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return True


def backoff_delay(attempts: int, base: timedelta = BACKOFF_BASE, cap: timedelta = BACKOFF_MAX) -> timedelta:
    """base, 2*base, 4*base ... after the 1st, 2nd, 3rd failed attempt, capped."""
    return min(base * (2 ** max(attempts - 1, 0)), cap)


def mark_failed(
    session: Session,
    notification_id: int,
    lease_token: str,
    error: str,
    now: datetime,
    *,
    retry_after: timedelta | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> datetime | None:
    """Schedule a retry with exponential backoff (or at least `retry_after`, e.g. Telegram's RetryAfter)
    and return when; after max_attempts mark it failed and return None. `error` must hold no personal data."""
    row = session.get(Outbox, notification_id, populate_existing=True)
    if row is None or row.lease_token != lease_token or row.delivered_at is not None:
        return None
    row.last_error = error[:1000]
    row.lease_until = None
    if row.attempts >= max_attempts:
        row.failed_at = now
        session.flush()
        return None
    delay = backoff_delay(row.attempts)
    if retry_after is not None:
        delay = max(delay, retry_after)
    row.next_attempt_at = now + delay
    session.flush()
    return row.next_attempt_at


def mark_undeliverable(
    session: Session, notification_id: int, lease_token: str, error: str, now: datetime
) -> bool:
    """Give up at once (e.g. the user blocked the bot): no point retrying."""
    return (
        session.execute(
            update(Outbox)
            .where(
                Outbox.id == notification_id, Outbox.lease_token == lease_token, Outbox.delivered_at.is_(None)
            )
            .values(failed_at=now, last_error=error[:1000], lease_until=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def outbox_problems(session: Session) -> list[Outbox]:
    """Undelivered rows that failed at least once, for operators."""
    return list(
        session.scalars(
            select(Outbox)
            .where(Outbox.delivered_at.is_(None), Outbox.last_error.is_not(None))
            .order_by(Outbox.id)
        )
    )
