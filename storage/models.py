"""ORM models. Every datetime is timezone-aware UTC in Python (naive UTC on SQLite disk)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

LEAD_STATUSES = ("new", "notified", "accepted", "declined", "expired", "withdrawn")
OPEN_LEAD_STATUSES = ("new", "notified")


class UTCDateTime(TypeDecorator[datetime]):
    """Refuses naive datetimes so a forgotten tz never silently shifts times."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; pass a timezone-aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# Stable constraint names so migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("channel", "channel_id", name="uq_people_channel_channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(128))
    first_name: Mapped[str | None] = mapped_column(String(100))
    contact_preference: Mapped[str | None] = mapped_column(String(32))  # telegram, phone, email
    contact_value: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    consents: Mapped[list[Consent]] = relationship(back_populates="person")
    leads: Mapped[list[Lead]] = relationship(back_populates="person")


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="consents")


class Sponsor(Base):
    __tablename__ = "sponsors"
    __table_args__ = (CheckConstraint("used >= 0", name="used_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    departments: Mapped[list[Any]] = mapped_column(default=list)
    certifications: Mapped[list[Any]] = mapped_column(default=list)
    sectors: Mapped[list[Any]] = mapped_column(default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    used: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.used, 0)


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (CheckConstraint(f"status IN {LEAD_STATUSES!r}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Nullable: erasure unlinks the person but keeps the anonymised lead for statistics.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id", ondelete="SET NULL"))
    profile: Mapped[dict[str, Any]]
    verdict: Mapped[str] = mapped_column(String(32))
    # Null sponsor = general queue that operators look at.
    sponsor_id: Mapped[int | None] = mapped_column(ForeignKey("sponsors.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]

    person: Mapped[Person | None] = relationship(back_populates="leads")
    sponsor: Mapped[Sponsor | None] = relationship()
    consent: Mapped[Consent | None] = relationship()


class EmployerLead(Base):
    __tablename__ = "employer_leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    employer_kind: Mapped[str] = mapped_column(String(32))
    sector: Mapped[str | None] = mapped_column(String(64))
    certification: Mapped[str | None] = mapped_column(String(64))
    hires: Mapped[int | None]
    department: Mapped[str | None] = mapped_column(String(8))
    verdict: Mapped[str] = mapped_column(String(32))
    sponsor_id: Mapped[int | None] = mapped_column(ForeignKey("sponsors.id"))
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime]


class SponsorInvite(Base):
    __tablename__ = "sponsor_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(
        String(64), unique=True
    )  # sha256 hex; the code itself is never stored
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Outbox(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))  # "sponsor" (id = sponsors.id) or "person"
    recipient_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # e.g. lead_new, lead_accepted, lead_expired
    payload: Mapped[dict[str, Any]]
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    lease_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # gave up after max attempts
    created_at: Mapped[datetime]


class HandoffRequest(Base):
    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))  # "person:12", "sponsor:3", "operator", "system"
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64))  # "lead:5"; ids only, never names or contacts
    at: Mapped[datetime] = mapped_column(index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
