"""Knowledge of the VAE inversée experiment: sourced, dated data and a pure eligibility engine.

Public API::

    from knowledge import load_knowledge
    kb = load_knowledge()                 # cached; load_knowledge(data_dir) for tests
    kb.render_faq("window", on=date(2026, 3, 1))
    kb.assess({"age": 19, "target": "aide-soignante"}, on=date(2025, 6, 1))
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .engine import KnowledgeBase, ProfileError, decide
from .loader import DATA_DIR, DataValidationError, load_data
from .models import (
    Assessment,
    Certification,
    CertificationMatch,
    Check,
    CheckReport,
    EmployerAssessment,
    FaqTopic,
    Programme,
    RenderedAnswer,
    SalaryResult,
    Source,
    Sponsor,
    SponsorMatch,
)

__all__ = [
    "Assessment", "Certification", "CertificationMatch", "Check", "CheckReport", "DATA_DIR",
    "DataValidationError", "EmployerAssessment", "FaqTopic", "KnowledgeBase", "ProfileError", "Programme",
    "RenderedAnswer", "SalaryResult", "Source", "Sponsor", "SponsorMatch", "decide", "load_knowledge",
]


def load_knowledge(data_dir: str | Path | None = None) -> KnowledgeBase:
    """Load (once per directory) and validate the data; raises DataValidationError naming file and field."""
    return _load_cached(str(Path(data_dir or DATA_DIR).resolve()))


@lru_cache(maxsize=8)
def _load_cached(path: str) -> KnowledgeBase:
    data = load_data(Path(path))
    return KnowledgeBase(**data)
