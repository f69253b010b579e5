"""Database fixtures written the way the dialogue writes them (person, consent, lead + lead_new outbox row)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, select, text

from storage import (
    Lead,
    Outbox,
    Sponsor,
    create_lead_with_notification,
    database_url,
    get_or_create_person,
    record_consent,
)

SUMMARY = {
    "initial": "M.",
    "age_bracket": "26-44 ans",
    "certification": "Diplôme d'État d'aide-soignant",
    "department": "93 — Seine-Saint-Denis",
    "verdict_label": "Éligible sous conditions",
    "conditions": ["Trouver un employeur de droit privé"],
}
PHONE = "+33 6 12 34 56 78"


def add_sponsor(store, now, key="sp1", capacity=5, chat_id=None, name=None) -> int:
    with store.transaction() as s:
        sponsor = Sponsor(key=key, name=name or f"Porteur {key}", kind="geiq", departments=["93"],
                          certifications=["RNCP4495"], sectors=["sanitaire_social"], capacity=capacity,
                          used=0, telegram_chat_id=chat_id, active=True, demo=True, created_at=now,
                          updated_at=now)
        s.add(sponsor)
        s.flush()
        return sponsor.id


def add_lead(store, now, sponsor_id, chat_id, *, preference="phone", value=PHONE, channel="telegram",
             expires_in=timedelta(days=7), summary=None) -> int:
    with store.transaction() as s:
        person = get_or_create_person(s, channel, str(chat_id), now)
        person.first_name = "Mariam"
        person.contact_preference = preference
        person.contact_value = value
        consent = record_consent(s, person, purpose="lead_to_sponsor", text="J'accepte …", version="v1", now=now)
        profile = {"age": 34, "situation": "job_seeker", "certification_code": "RNCP4495", "department": "93"}
        lead = create_lead_with_notification(
            s, person, profile, "eligible_with_conditions", sponsor_id, consent, now=now,
            summary=summary or SUMMARY, expires_in=expires_in,
        )
        return lead.id


def lead_status(store, lead_id) -> str:
    with store.transaction() as s:
        return s.get(Lead, lead_id).status


def outbox_rows(store) -> list[Outbox]:
    with store.transaction() as s:
        return list(s.scalars(select(Outbox).order_by(Outbox.id)))


def sponsor_row(store, sponsor_id) -> Sponsor:
    with store.transaction() as s:
        return s.get(Sponsor, sponsor_id)


def tracker_events(url: str, conversations: dict[str, list[float]]) -> None:
    """A tracker store with the columns of Rasa's `events` table that the retention purge reads (Rasa's own table
    is exercised end to end in tests/e2e/test_tracker_store_postgres.py): one event per timestamp given."""
    engine = create_engine(database_url(url))
    with engine.begin() as db:
        db.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                        "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, data TEXT)"))
        rows = [{"id": i, "s": sender, "t": stamp}
                for i, (sender, stamp) in enumerate((s, t) for s, stamps in conversations.items() for t in stamps)]
        db.execute(text("INSERT INTO events VALUES (:id, :s, 'user', :t, '{}')"), rows)
    engine.dispose()


def tracker_senders(url: str) -> list[str]:
    engine = create_engine(database_url(url))
    with engine.connect() as db:
        found = sorted(set(db.execute(text("SELECT sender_id FROM events")).scalars()))
    engine.dispose()
    return found
