import threading
from datetime import timedelta

from db_testlib import PROFILE
from sqlalchemy import select

from storage import (
    Lead,
    Outbox,
    backoff_delay,
    claim_due_notifications,
    create_lead_with_notification,
    enqueue_notification,
    mark_delivered,
    mark_failed,
    mark_undeliverable,
    outbox_problems,
)

LEASE = timedelta(minutes=2)


def _enqueue(store, now, n=1):
    with store.transaction() as s:
        return [enqueue_notification(s, "sponsor", "1", "test", {"n": i}, f"k{i}", now).id for i in range(n)]


def _claim(store, now, limit=10, **kw):
    with store.transaction() as s:
        return claim_due_notifications(s, now, limit, lease=LEASE, **kw)


def test_enqueue_is_deduplicated(store, now):
    with store.transaction() as s:
        assert enqueue_notification(s, "person", "1", "x", {}, "same", now) is not None
        assert enqueue_notification(s, "person", "1", "x", {}, "same", now) is None


def test_leased_row_is_not_claimed_twice_and_expired_lease_is_reclaimable(store, now):
    (row_id,) = _enqueue(store, now)
    first = _claim(store, now)
    assert [c.id for c in first] == [row_id] and first[0].attempts == 1
    assert _claim(store, now) == []  # second worker, same instant
    assert _claim(store, now + LEASE - timedelta(seconds=1)) == []  # still leased
    again = _claim(store, now + LEASE)  # the first worker died: the lease expired
    assert [c.id for c in again] == [row_id] and again[0].attempts == 2
    with store.transaction() as s:
        # The first worker's late confirmation is refused; the new holder's is accepted once.
        assert mark_delivered(s, row_id, first[0].lease_token, now + LEASE) is False
        assert mark_delivered(s, row_id, again[0].lease_token, now + LEASE) is True
        assert mark_delivered(s, row_id, again[0].lease_token, now + LEASE) is False
    assert _claim(store, now + timedelta(days=1)) == []  # delivered rows are never claimed again


def test_concurrent_workers_claim_disjoint_rows(store, db_url, now):
    from storage import Store

    _enqueue(store, now, n=12)
    stores = [Store(db_url), Store(db_url)]
    barrier = threading.Barrier(2)
    results: list[list[int]] = [[], []]

    def work(i):
        barrier.wait()
        while True:
            with stores[i].transaction() as s:
                got = [c.id for c in claim_due_notifications(s, now, 2, lease=LEASE)]
            if not got:
                return
            results[i] += got

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for st in stores:
        st.dispose()
    claimed = results[0] + results[1]
    assert len(claimed) == len(set(claimed)) == 12


def test_backoff_and_max_attempts(store, now):
    assert [backoff_delay(n) for n in (1, 2, 3)] == [timedelta(seconds=30 * k) for k in (1, 2, 4)]
    assert backoff_delay(30) == timedelta(hours=6)
    (row_id,) = _enqueue(store, now)
    t = now
    for attempt in (1, 2):
        (claimed,) = _claim(store, t, max_attempts=3)
        with store.transaction() as s:
            retry_at = mark_failed(s, row_id, claimed.lease_token, "HTTP 500", t, max_attempts=3)
        assert retry_at == t + backoff_delay(attempt)
        assert _claim(store, retry_at - timedelta(seconds=1), max_attempts=3) == []  # not due yet
        t = retry_at
    (claimed,) = _claim(store, t, max_attempts=3)
    with store.transaction() as s:
        assert mark_failed(s, row_id, claimed.lease_token, "HTTP 500", t, max_attempts=3) is None
        row = s.get(Outbox, row_id)
        assert row.failed_at == t and row.attempts == 3 and row.last_error == "HTTP 500"
        assert [r.id for r in outbox_problems(s)] == [row_id]
    assert _claim(store, t + timedelta(days=1), max_attempts=3) == []


def test_retry_after_is_honoured(store, now):
    (row_id,) = _enqueue(store, now)
    (claimed,) = _claim(store, now)
    with store.transaction() as s:
        retry_at = mark_failed(s, row_id, claimed.lease_token, "429", now, retry_after=timedelta(minutes=5))
    assert retry_at == now + timedelta(minutes=5)


def test_crash_on_last_attempt_closes_the_row(store, now):
    (row_id,) = _enqueue(store, now)
    _claim(store, now, max_attempts=1)  # the worker dies without reporting
    assert _claim(store, now + LEASE, max_attempts=1) == []
    with store.transaction() as s:
        assert s.get(Outbox, row_id).failed_at == now + LEASE


def test_undeliverable_is_not_retried(store, now):
    (row_id,) = _enqueue(store, now)
    (claimed,) = _claim(store, now)
    with store.transaction() as s:
        assert mark_undeliverable(s, row_id, claimed.lease_token, "Forbidden: bot was blocked", now)
    assert _claim(store, now + timedelta(days=1)) == []


def test_delivery_marks_lead_notified(store, add_sponsor, candidate, now):
    sponsor_id = add_sponsor()
    person, consent = candidate()
    with store.transaction() as s:
        lead = create_lead_with_notification(s, person, PROFILE, "eligible", sponsor_id, consent, now=now)
    (claimed,) = _claim(store, now)
    assert claimed.lead_id == lead.id and claimed.kind == "lead_new"
    with store.transaction() as s:
        assert mark_delivered(s, claimed.id, claimed.lease_token, now)
    with store.transaction() as s:
        assert s.get(Lead, lead.id).status == "notified"
        assert s.scalars(select(Outbox.delivered_at)).one() == now
