"""Text helpers: accent/case-insensitive normalisation and French formatting."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"]


def normalize(text: str) -> str:
    """Lowercase, strip accents, keep letters/digits, collapse spaces ("Aide-Soignante" -> "aide soignante")."""
    decomposed = unicodedata.normalize("NFKD", text)
    no_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    no_accents = no_accents.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    cleaned = re.sub(r"[^0-9a-zA-Z]+", " ", no_accents).lower()
    return " ".join(cleaned.split())


def french_date(value: date) -> str:
    """2026-02-28 -> '28 février 2026' (1er for the first day)."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {_MONTHS[value.month - 1]} {value.year}"


def french_number(value: float | int) -> str:
    """9000 -> '9 000'; 1823.03 -> '1 823,03'."""
    if isinstance(value, float) and not value.is_integer():
        whole, frac = f"{value:.2f}".split(".")
        return f"{int(whole):,}".replace(",", " ") + "," + frac
    return f"{int(value):,}".replace(",", " ")
