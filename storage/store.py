"""Store: an engine plus a sessionmaker, with one-transaction-per-block helper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.config import database_url, make_engine
from storage.errors import StorageUnavailable

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option, so '%' in passwords needs no escaping.
    cfg.attributes["url"] = database_url(url)
    return cfg


def migrate(url: str | None = None, revision: str = "head") -> None:
    """`alembic upgrade head` on url (default: $DATABASE_URL or the SQLite file)."""
    command.upgrade(alembic_config(url), revision)


class Store:
    def __init__(self, url: str | None = None, engine: Engine | None = None):
        self.engine = engine or make_engine(url)
        # expire_on_commit=False: returned objects stay readable after the transaction ends.
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    def migrate(self) -> None:
        migrate(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit at the end of the block, roll everything back on any exception."""
        try:
            with self.sessionmaker.begin() as session:
                yield session
        except (OperationalError, InterfaceError) as exc:
            raise StorageUnavailable(str(exc.orig or exc)) from exc

    def dispose(self) -> None:
        self.engine.dispose()
