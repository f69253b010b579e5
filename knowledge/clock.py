"""Clock for adapters (CLI, actions, bot). Engine functions take ``on: date`` explicitly."""

from __future__ import annotations

import os
from datetime import date


def today() -> date:
    """Return VAE_TODAY (YYYY-MM-DD) when set, else the system date."""
    raw = os.environ.get("VAE_TODAY", "").strip()
    if raw:
        return date.fromisoformat(raw)
    return date.today()
