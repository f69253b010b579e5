"""The actions' access to storage: one Store per process, the person behind a Rasa sender id."""

from __future__ import annotations

from functools import lru_cache

from knowledge import load_knowledge
from storage import Store, migrate, sync_sponsors_from_directory, utcnow

# Rasa sender ids are "<prefix>:<id>"; the prefix names the channel stored with the person.
CHANNEL_PREFIXES = {"tg": "telegram", "console": "console"}


def channel_of(sender_id: str) -> tuple[str, str]:
    prefix, _, rest = (sender_id or "").partition(":")
    if rest and prefix in CHANNEL_PREFIXES:
        return CHANNEL_PREFIXES[prefix], rest
    return "rest", sender_id or ""


@lru_cache(maxsize=1)
def store() -> Store:
    """Created on first use, so the action server starts even while the database is down."""
    return Store()


def sponsor_directory() -> list[dict]:
    """The knowledge sponsor directory in the shape storage keeps."""
    entries = []
    for sponsor in load_knowledge().sponsors.values():
        entries.append({
            "key": sponsor.id,
            "name": sponsor.name,
            "kind": sponsor.kind,
            "departments": ["national"] if sponsor.national else list(sponsor.departments),
            "certifications": list(sponsor.certifications),
            "sectors": list(sponsor.sectors),
            "capacity": sponsor.capacity,
            "active": sponsor.active,
            "demo": sponsor.demo,
        })
    return entries


def prepare_database(url: str | None = None) -> dict[str, int]:
    """Migrate to the latest schema and load the sponsor directory; run before the servers start."""
    migrate(url)
    target = Store(url)
    try:
        with target.transaction() as session:
            return sync_sponsors_from_directory(session, sponsor_directory(), utcnow())
    finally:
        target.dispose()
