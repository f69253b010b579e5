"""Data classes of the knowledge base (plain, immutable where practical)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

SITUATIONS = ("job_seeker", "employee_cdi", "employee_cdd", "temp_worker", "student", "self_employed",
              "inactive", "other")
EMPLOYER_KINDS = ("private", "association", "public", "epic", "unknown")
TARGET_KINDS = ("rncp", "cqp", "bloc", "ccn", "other")
CERTIFICATION_KINDS = ("rncp", "cqp")
SECTOR_IDS = ("sanitaire_social", "aide_domicile", "petite_enfance", "hotellerie_restauration", "logistique",
              "transport", "btp", "industrie", "proprete", "commerce", "agriculture", "espaces_verts", "energie",
              "autre")
FAQ_TOPIC_IDS = (
    "definition", "why_inversee", "goal", "legal_basis", "public_age", "status", "experience", "cdi_avenant",
    "temp_work", "individual_apply", "certifications", "sectors", "duration", "training_content",
    "working_time", "tutor", "contract_form", "parcours_steps", "funding", "funding_subcaps", "france_vae_cpf",
    "hiring_aids", "aid_6000_ended", "salary", "employer_cost", "opco_filing", "renewal_failure",
    "jury_validation", "sponsor_who", "sponsor_apply", "window", "cap", "evaluation", "vs_classic_vae",
    "vs_experimental_contract_2018", "france_vae_platform", "employers_allowed", "public_employers",
    "employer_steps", "personal_data",
)
VERDICTS = ("eligible", "not_eligible", "window_closed", "incomplete")
CHECK_STATUSES = ("pass", "fail", "unknown")


@dataclass(frozen=True)
class Source:
    url: str
    title: str = ""
    verified: date | None = None
    evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "title": self.title}
        if self.verified:
            out["verified"] = self.verified.isoformat()
        if self.evidence:
            out["evidence"] = self.evidence
        return out


@dataclass(frozen=True)
class Fact:
    key: str
    value: Any
    source: Source
    note: str = ""


@dataclass(frozen=True)
class Programme:
    """Programme facts; attributes mirror programme.yml keys (see loader.PROGRAMME_KEYS)."""

    law: str
    decree: str
    arrete: str
    ministry_faq: str
    window_start: date
    window_end: date
    window_extension_found: bool
    cap_parcours: int
    min_age: int
    max_duration_months: int
    funding_annual_cap_eur: int
    funding_pedagogy_cap_eur: int
    funding_coordination_cap_eur: int
    funding_annex_cap_eur: int
    evaluation_report_months: int
    sponsor_email: str
    opco_filing_days: int
    opco_decision_days: int
    hiring_aid_france_travail_eur: int
    hiring_aid_state_45_eur: int
    hiring_aid_france_travail_min_age: int
    hiring_aid_state_min_age: int
    exceptional_aid_end: date
    exceptional_aid_eur: int
    exceptional_aid_max_age: int
    facts: dict[str, Fact] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Rule:
    id: str
    applies_to: str
    explanation: str
    messages: dict[str, str]
    source: Source
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerVariant:
    answer: str
    until: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class FaqTopic:
    id: str
    title: str
    answer: str
    sources: list[Source]
    verified: date
    follow_ups: list[str]
    variants: list[AnswerVariant] = field(default_factory=list)


@dataclass(frozen=True)
class GlossaryTerm:
    """An acronym the answers use (OPCO, GEIQ…), defined for "c'est quoi un OPCO ?"."""
    id: str
    names: list[str]
    definition: str
    sources: list[Source]
    verified: date
    follow_ups: list[str]


@dataclass(frozen=True)
class RenderedAnswer:
    text: str
    sources: list[Source]
    follow_ups: list[str]
    verified: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "sources": [s.to_dict() for s in self.sources], "follow_ups": self.follow_ups,
                "verified": self.verified.isoformat() if self.verified else None}


@dataclass(frozen=True)
class Certification:
    code: str
    kind: str
    title: str
    level: int | None
    sector: str
    names: list[str]
    source: Source
    registration_until: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "kind": self.kind, "title": self.title, "level": self.level,
                "sector": self.sector, "names": list(self.names), "source": self.source.to_dict(),
                "registration_until": self.registration_until.isoformat() if self.registration_until else None}


@dataclass(frozen=True)
class CertificationMatch:
    certification: Certification
    score: float
    matched_on: str

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 3), "matched_on": self.matched_on, **self.certification.to_dict()}


@dataclass(frozen=True)
class Sponsor:
    id: str
    name: str
    kind: str
    departments: list[str] | str  # list of codes, or "national"
    certifications: list[str]
    sectors: list[str]
    capacity: int
    contact: dict[str, str]
    active: bool
    demo: bool

    @property
    def national(self) -> bool:
        return self.departments == "national"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "departments": self.departments if self.national else list(self.departments),
                "certifications": list(self.certifications), "sectors": list(self.sectors),
                "capacity": self.capacity, "contact": dict(self.contact), "active": self.active, "demo": self.demo}


@dataclass(frozen=True)
class SponsorMatch:
    sponsor: Sponsor
    score: int
    remaining_capacity: int
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "remaining_capacity": self.remaining_capacity, "reasons": self.reasons,
                **self.sponsor.to_dict()}


@dataclass(frozen=True)
class SalaryBracket:
    min_age: int
    max_age: int
    label: str
    percent: int
    percent_qualified: int
    note: str = ""


@dataclass(frozen=True)
class SmicRate:
    effective: date
    hourly_eur: float
    monthly_eur: float
    source: Source


@dataclass(frozen=True)
class SalaryResult:
    age: int
    qualified: bool
    bracket: str
    percent: int
    smic_monthly_eur: float
    smic_hourly_eur: float
    smic_effective: date
    monthly_minimum_eur: float
    note: str
    text: str
    sources: list[Source]
    as_of: date

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["smic_effective"] = self.smic_effective.isoformat()
        out["as_of"] = self.as_of.isoformat()
        out["sources"] = [s.to_dict() for s in self.sources]
        return out


@dataclass(frozen=True)
class Check:
    rule: str
    status: str
    message: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "status": self.status, "message": self.message, "source": self.source}


@dataclass(frozen=True)
class Assessment:
    verdict: str
    checks: list[Check]
    conditions: list[str]
    missing: list[str]
    as_of: date
    target: Certification | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "checks": [c.to_dict() for c in self.checks],
                "conditions": list(self.conditions), "missing": list(self.missing),
                "as_of": self.as_of.isoformat(), "target": self.target.to_dict() if self.target else None}


@dataclass(frozen=True)
class EmployerAssessment:
    verdict: str
    checks: list[Check]
    reasons: list[str]
    next_steps: list[str]
    conditions: list[str]
    missing: list[str]
    as_of: date

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "checks": [c.to_dict() for c in self.checks], "reasons": self.reasons,
                "next_steps": self.next_steps, "conditions": self.conditions, "missing": self.missing,
                "as_of": self.as_of.isoformat()}


@dataclass(frozen=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True)
class City:
    name: str
    department: str


@dataclass(frozen=True)
class Sector:
    id: str
    label: str
    words: list[str]


@dataclass
class CheckReport:
    errors: list[str]
    stale: list[str]
    warnings: list[str]
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors, "stale": self.stale, "warnings": self.warnings,
                "counts": self.counts}
