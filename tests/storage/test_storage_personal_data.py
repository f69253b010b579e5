from datetime import timedelta

import pytest
from db_testlib import PROFILE
from sqlalchemy import func, select

from storage import (
    AuditLog,
    Consent,
    HandoffRequest,
    InvalidInvite,
    Lead,
    Outbox,
    Person,
    Sponsor,
    create_lead_with_notification,
    create_sponsor_invite,
    delete_personal_data,
    get_or_create_person,
    get_sponsor,
    personal_data_of,
    purge_personal_data,
    record_employer_lead,
    redeem_sponsor_invite,
    request_handoff,
    sponsor_for_chat,
    sync_sponsors_from_directory,
)

PERSONAL_VALUES = ("Amina", "+33 6 12 34 56 78", "1001")


def _full_candidate(store, add_sponsor, candidate, now):
    sponsor_id = add_sponsor(capacity=2)
    person, consent = candidate("1001")
    with store.transaction() as s:
        lead = create_lead_with_notification(
            s, person, PROFILE, "eligible", sponsor_id, consent, now=now, summary={"initial": "A."}
        )
        record_employer_lead(
            s,
            person,
            employer_kind="private",
            sector="btp",
            certification=None,
            hires=2,
            department="69",
            verdict="eligible",
            now=now,
        )
        request_handoff(s, person, "question sur le salaire", now)
    return sponsor_id, person, lead


def test_personal_data_of(store, add_sponsor, candidate, now):
    _, person, lead = _full_candidate(store, add_sponsor, candidate, now)
    with store.transaction() as s:
        data = personal_data_of(s, "telegram", "1001")
        assert personal_data_of(s, "telegram", "nobody") == {}
    assert data["person"]["first_name"] == "Amina"
    assert data["person"]["contact_value"] == "+33 6 12 34 56 78"
    assert [c["version"] for c in data["consents"]] == ["v1"]
    assert data["leads"][0]["id"] == lead.id and data["leads"][0]["sponsor"] == "Porteur sp1"
    assert data["leads"][0]["profile"]["age"] == 34
    assert data["employer_leads"][0]["sector"] == "btp"
    assert data["handoff_requests"][0]["reason"] == "question sur le salaire"


def test_delete_personal_data_keeps_an_anonymised_lead(store, add_sponsor, candidate, now):
    sponsor_id, person, lead = _full_candidate(store, add_sponsor, candidate, now)
    later = now + timedelta(hours=1)
    with store.transaction() as s:
        assert delete_personal_data(s, "telegram", "1001", later) is True
        assert delete_personal_data(s, "telegram", "1001", later) is False  # nothing left to delete
    with store.transaction() as s:
        assert personal_data_of(s, "telegram", "1001") == {}
        kept = s.get(Lead, lead.id)
        assert kept.person_id is None and kept.consent_id is None and kept.anonymised_at == later
        assert kept.status == "withdrawn" and kept.sponsor_id == sponsor_id and kept.verdict == "eligible"
        assert kept.profile == {
            "situation": "job_seeker",
            "certification_code": "RNCP4495",
            "department": "69",
            "age_bracket": "26-44",
        }
        assert s.get(Sponsor, sponsor_id).used == 0  # an open lead gave its place back
        tomb = s.get(Person, person.id)
        assert tomb.deleted_at == later
        assert (tomb.first_name, tomb.contact_preference, tomb.contact_value) == (None, None, None)
        assert s.scalar(select(func.count()).select_from(Consent)) == 0
        assert s.scalar(select(func.count()).select_from(HandoffRequest)) == 0
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0  # undelivered notification dropped
        assert s.scalar(select(func.count()).where(AuditLog.action == "person.data_deleted")) == 1
        # No personal value survives anywhere in the database.
        for table in (Person, Lead, Outbox, AuditLog):
            for row in s.scalars(select(table)):
                dumped = repr({c.key: getattr(row, c.key) for c in table.__table__.columns})
                for value in PERSONAL_VALUES:
                    assert value not in dumped, (table.__name__, value)
        # The same chat can start afresh.
        assert get_or_create_person(s, "telegram", "1001", later).id != person.id


def test_purge_personal_data(store, candidate, now):
    old_person, _ = candidate("old")
    with store.transaction() as s:
        # Created long ago but active recently (new consent): kept.
        s.get(Person, old_person.id).created_at = now - timedelta(days=400)
        active = get_or_create_person(s, "telegram", "active", now - timedelta(days=400))
        s.add(Consent(person_id=active.id, purpose="p", text="t", version="v1", given_at=now))
        s.get(
            Consent, s.scalars(select(Consent.id).where(Consent.person_id == old_person.id)).one()
        ).given_at = now - timedelta(days=400)
    with store.transaction() as s:
        assert purge_personal_data(s, older_than=now - timedelta(days=180), now=now) == 1
    with store.transaction() as s:
        assert personal_data_of(s, "telegram", "old") == {}
        assert personal_data_of(s, "telegram", "active")["consents"]
        assert purge_personal_data(s, older_than=now - timedelta(days=180), now=now) == 0


def test_sync_sponsors_from_directory(store, now):
    directory = [
        {"key": "a", "name": "A", "kind": "opco", "departments": ["69"], "capacity": 3},
        {"key": "b", "name": "B", "kind": "geiq", "sectors": ["btp"], "capacity": 1, "demo": True},
    ]
    with store.transaction() as s:
        assert sync_sponsors_from_directory(s, directory, now) == {
            "created": 2,
            "updated": 0,
            "deactivated": 0,
        }
        a = get_sponsor(s, "a")
        a.used, a.telegram_chat_id = 2, 555
    directory[0] = {**directory[0], "capacity": 10, "name": "A bis"}
    with store.transaction() as s:
        assert sync_sponsors_from_directory(s, directory[:1], now) == {
            "created": 0,
            "updated": 1,
            "deactivated": 1,
        }
        a, b = get_sponsor(s, "a"), get_sponsor(s, "b")
        assert (a.name, a.capacity, a.used, a.telegram_chat_id, a.remaining) == ("A bis", 10, 2, 555, 8)
        assert b.active is False and b.demo is True
        assert sync_sponsors_from_directory(s, directory[:1], now) == {
            "created": 0,
            "updated": 0,
            "deactivated": 0,
        }


def test_sponsor_invite_works_once_and_expires(store, add_sponsor, now):
    sponsor_id = add_sponsor("sp1")
    with store.transaction() as s:
        code = create_sponsor_invite(s, "sp1", now, ttl=timedelta(days=1))
        stale = create_sponsor_invite(s, "sp1", now, ttl=timedelta(days=1))
        assert s.get(Sponsor, sponsor_id).telegram_chat_id is None
    with store.transaction() as s, pytest.raises(InvalidInvite):
        redeem_sponsor_invite(s, "WRONG", 42, now)
    with store.transaction() as s:
        assert redeem_sponsor_invite(s, code.lower(), 42, now).id == sponsor_id
        assert sponsor_for_chat(s, 42).id == sponsor_id
    with store.transaction() as s, pytest.raises(InvalidInvite):
        redeem_sponsor_invite(s, code, 43, now)
    with store.transaction() as s, pytest.raises(InvalidInvite):
        redeem_sponsor_invite(s, stale, 43, now + timedelta(days=1))
