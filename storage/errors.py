"""Domain errors callers can catch without knowing SQLAlchemy."""


class StorageError(Exception):
    """Base class for storage errors."""


class StorageUnavailable(StorageError):
    """The database cannot be reached; nothing was written, retry later."""


class CapacityExhausted(StorageError):
    """The sponsor has no remaining capacity (or is inactive / unknown)."""


class DuplicateNotification(StorageError):
    """An outbox row with this dedup key already exists."""


class LeadNotFound(StorageError):
    """No such lead, or it belongs to another sponsor (same error on purpose)."""


class LeadClosed(StorageError):
    """The lead is no longer open (accepted, declined, expired or withdrawn)."""


class InvalidInvite(StorageError):
    """Unknown, expired or already used sponsor invite code."""
