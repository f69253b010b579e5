"""Knowledge base and pure decision engine. No I/O here except through the loader; no date.today()."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from difflib import SequenceMatcher
from typing import Any

from .models import (
    EMPLOYER_KINDS,
    SECTOR_IDS,
    SITUATIONS,
    TARGET_KINDS,
    Assessment,
    Certification,
    CertificationMatch,
    Check,
    CheckReport,
    City,
    Department,
    EmployerAssessment,
    FaqTopic,
    GlossaryTerm,
    Programme,
    RenderedAnswer,
    Rule,
    SalaryBracket,
    SalaryResult,
    Sector,
    SmicRate,
    Source,
    Sponsor,
    SponsorMatch,
)
from .text import french_date, french_number, normalize

PROFILE_KEYS = ("age", "situation", "cdi_amendment", "target", "target_kind", "employer_kind", "sector",
                "department", "contract_date")
MATCH_THRESHOLD = 0.75
# A name designates a certification without doubt from this score (a typo at most); below, it is only a
# suggestion, and a job kept as said ("agent de sécurité") must not be taken for the nearest title.
CLEAR_MATCH = 0.9
ELIGIBLE_KINDS = ("rncp", "cqp", "bloc", "ccn")


class ProfileError(ValueError):
    """Invalid input value. ``key`` names the offending profile key; the message is French, one line."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)


class _Strict(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def placeholders(programme: Programme) -> Mapping[str, str]:
    """Values usable as {placeholders} in FAQ answers: every programme fact and its verified date."""
    out = _Strict()
    for key, fact in programme.facts.items():
        value = fact.value
        if isinstance(value, bool):
            out[key] = "oui" if value else "non"
        elif isinstance(value, date):
            out[key] = french_date(value)
        elif isinstance(value, (int, float)):
            out[key] = french_number(value)
        else:
            out[key] = str(value)
        if fact.source.verified:
            out[f"{key}_verified"] = french_date(fact.source.verified)
    return out


# How a question that only asks what a term means reads once normalised ("c'est quoi un OPCO ?" -> "c est quoi un
# opco"); {term} is the term's normalised name.
_BEFORE = r"(?:(?:bonjour|bonsoir|et|mais|alors|euh|svp|pardon|excusez moi) )*"
_ARTICLE = r"(?:(?:un|une|le|la|les|l|des|d|du) )?"
_AFTER = r"(?: (?:svp|s il vous plait|exactement|au juste|en fait|donc|precisement|concretement))*"
_WHAT = (r"(?:c est quoi|cest quoi|c quoi|ces quoi|c est qui|qu est ce que|qu est ce qu|qu est ce|quest ce que|"
         r"quest ce qu|que veut dire|que signifie|ca veut dire quoi|ca signifie quoi|definition(?: de| d| du)?|"
         r"je ne sais pas ce qu est|je sais pas ce qu est|kesako|a quoi sert|que fait|"
         r"(?:quel est|c est quoi) le role(?: de| d| du| des)?)")
_IS_WHAT = r"(?:c est quoi|cest quoi|c quoi|ca veut dire quoi|ca signifie quoi|signifie quoi|veut dire quoi|kesako)"
DEFINITION_QUESTIONS = (
    _BEFORE + _WHAT + " " + _ARTICLE + "{term}" + _AFTER,
    _BEFORE + _ARTICLE + "{term} " + _IS_WHAT + _AFTER,
)
# « CQP ? »: the term alone asks its meaning only with a question mark; « CDI » alone is a situation said.
BARE_TERM_QUESTION = _BEFORE + _ARTICLE + "{term}"
# « quelle est la différence entre CDD et CDI ? »: two terms compared, each defined.
COMPARISON_QUESTION = (_BEFORE + r"(?:(?:quelle est|c est quoi|quelles sont|quelle|quelles) )?(?:la |les )?differences? entre "
                       + _ARTICLE + r"(?P<first>.+?) et " + _ARTICLE + r"(?P<second>.+?)" + _AFTER)
# Any term of up to four words, for a meaning asked of a word the glossary does not hold (« c'est quoi le RSA ? »).
ANY_TERM = r"[a-z0-9]+(?: [a-z0-9]+){0,3}"

@dataclass
class KnowledgeBase:
    programme: Programme
    rules: dict[str, Rule]
    employer_steps: dict[str, Any]
    faq_topics: dict[str, FaqTopic]
    salary_grid: list[SalaryBracket]
    salary_source: Source
    smic: list[SmicRate]
    certifications: dict[str, Certification]
    sponsors: dict[str, Sponsor]
    sectors: dict[str, Sector]
    departments: dict[str, Department]
    cities: list[City]
    glossary: dict[str, GlossaryTerm] = field(default_factory=dict)

    # ------------------------------------------------------------------ FAQ
    def render_faq(self, topic_id: str, on: date) -> RenderedAnswer:
        """Answer for a topic, with date-dependent variants chosen against programme dates."""
        topic = self.faq_topics[topic_id]
        text = topic.answer
        for variant in topic.variants:
            ref = variant.until or variant.after
            limit = getattr(self.programme, ref)
            if (variant.until and on <= limit) or (variant.after and on > limit):
                text = variant.answer
                break
        return RenderedAnswer(text=text.format_map(placeholders(self.programme)), sources=list(topic.sources),
                              follow_ups=list(topic.follow_ups), verified=topic.verified)

    def term_asked(self, question: str, bare: bool = True) -> GlossaryTerm | None:
        """The glossary term a question asks the meaning of, only when the question is just that ("c'est quoi un
        OPCO ?", "GEIQ ça veut dire quoi", and with `bare` "CQP ?"): "quel est le rôle de l'OPCO dans le
        financement ?" is a FAQ question."""
        asked = normalize(question)
        patterns = DEFINITION_QUESTIONS + ((BARE_TERM_QUESTION,) if bare and "?" in question else ())
        for term in self.glossary.values():
            for name in term.names:
                if any(re.fullmatch(pattern.format(term=re.escape(normalize(name))), asked) for pattern in patterns):
                    return term
        return None

    def terms_compared(self, question: str) -> list[GlossaryTerm]:
        """The two glossary terms a question asks the difference of (« différence entre CDD et CDI ? »); [] when it
        compares anything else."""
        found = re.fullmatch(COMPARISON_QUESTION, normalize(question))
        if not found:
            return []
        by_name = {normalize(name): term for term in self.glossary.values() for name in term.names}
        terms = [by_name.get(found.group("first")), by_name.get(found.group("second"))]
        return terms if all(terms) and terms[0] is not terms[1] else []

    @staticmethod
    def asks_a_meaning(question: str) -> bool:
        """Whether a message only asks what some term means, glossary or not ("c'est quoi le RSA ?")."""
        asked = normalize(question)
        return any(re.fullmatch(pattern.format(term=ANY_TERM), asked) for pattern in DEFINITION_QUESTIONS)

    # ------------------------------------------------------------ lookups
    def resolve_department(self, text: str) -> str | None:
        """Department code from a code ('2', '02', '2A', '974'), a department name or a main city."""
        raw = str(text).strip().upper()
        if raw.isdigit() and len(raw) == 1:
            raw = "0" + raw
        if raw in self.departments:
            return raw
        postal = re.findall(r"(?<!\d)\d{2} ?\d{3}(?!\d)", raw)
        if len(postal) == 1:
            return self._department_of_postal_code(postal[0].replace(" ", ""))
        norm = normalize(str(text))
        for dep in self.departments.values():
            if normalize(dep.name) == norm:
                return dep.code
        for city in self.cities:
            if normalize(city.name) == norm:
                return city.department
        return None

    def _department_of_postal_code(self, code: str) -> str | None:
        """« 75011 » -> 75: a postal code starts with its department's number (three digits overseas, 971-976;
        Corsica's 20xxx split into 2A, below 20200, and 2B). Monaco and other 98xxx codes are no department."""
        if code.startswith("97"):
            department = code[:3]
        elif code.startswith("20"):
            department = "2A" if int(code) < 20200 else "2B"
        else:
            department = code[:2]
        return department if department in self.departments else None

    def find_certifications(self, text: str, limit: int = 5) -> list[CertificationMatch]:
        """Ranked catalogue matches by code or name; accent-, case- and typo-tolerant."""
        q = normalize(text or "")
        if not q:
            return []
        code = re.fullmatch(r"(?:rncp ?)?(\d{3,6})", q)
        if code:
            cert = self.certifications.get(f"RNCP{code.group(1)}")
            return [CertificationMatch(cert, 1.0, cert.code)] if cert else []
        best: dict[str, CertificationMatch] = {}
        for cert in self.certifications.values():
            title = _without_certifier(cert.title)
            for label in [title, cert.code, *cert.names]:
                score = _similarity(q, normalize(label))
                if label is title and title != cert.title:
                    # "Cuisinier (Institut Lyfe)": other certifiers' titles share the name; only the whole title is exact
                    score = 1.0 if q == normalize(cert.title) else min(score, 0.9)
                if score >= MATCH_THRESHOLD and (cert.code not in best or score > best[cert.code].score):
                    best[cert.code] = CertificationMatch(cert, score, label)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.certification.title))
        return ranked[:limit]

    def _resolve_target(self, target: str) -> Certification | None:
        matches = self.find_certifications(target, limit=1)
        return matches[0].certification if matches and matches[0].score >= CLEAR_MATCH else None

    # ------------------------------------------------------------- assess
    def assess(self, profile: Mapping[str, Any], on: date) -> Assessment:
        """Candidate eligibility. Raises ProfileError on invalid values; partial profiles give 'incomplete'."""
        p = self.validate_profile(profile)
        checks: list[Check] = []
        conditions: list[str] = []
        missing: list[str] = []

        checks.append(self.age_check(p.get("age")))
        if p.get("age") is None:
            missing.append("age")

        checks.append(self.status_check())

        # CDI + avenant
        rule = self.rules["cdi_amendment"]
        if p.get("situation") == "employee_cdi":
            amendment = p.get("cdi_amendment")
            status = {True: "pass", False: "fail", None: "unknown"}[amendment]
            checks.append(self._check(rule, status, status))
            if amendment is not False:
                conditions.append(str(rule.extra["condition"]))
        else:
            checks.append(self._check(rule, "pass", "not_concerned"))

        # target
        target_cert, kind, target_checks, target_missing, target_conditions = self._target_checks(p, on)
        checks += target_checks
        missing += target_missing
        conditions += target_conditions

        # employer
        emp_check, emp_conditions = self._employer_check(p.get("employer_kind"), blocking_unknown=False)
        checks.append(emp_check)
        conditions += emp_conditions

        # sector
        sector = p.get("sector") or (target_cert.sector if target_cert else None)
        sector_check, sector_conditions = self._sector_check(sector)
        checks.append(sector_check)
        conditions += sector_conditions

        # window
        contract_date = p.get("contract_date") or on
        checks.append(self._window_check(contract_date))

        conditions.append(str(self.rules["project_cap"].extra["condition"]))
        verdict = decide(checks, missing)
        return Assessment(verdict, checks, _dedupe(conditions), missing, on, target_cert)

    def status_check(self) -> Check:
        """No condition of status or diploma: whatever the person's situation, it passes."""
        return self._check(self.rules["status"], "pass", "pass")

    def age_check(self, age: int | None) -> Check:
        """The age condition alone: also said when someone gives their age outside the pre-screen."""
        rule = self.rules["age_min"]
        if age is None:
            return self._check(rule, "unknown", "unknown")
        if age < self.programme.min_age:
            return self._check(rule, "fail", "fail", age=age)
        return self._check(rule, "pass", "pass", age=age)

    def _target_checks(self, p: Mapping[str, Any], on: date):
        rule = self.rules["target_kind"]
        target = p.get("target")
        kind = p.get("target_kind")
        cert = self._resolve_target(target) if target else None
        if cert and not kind:
            kind = cert.kind
        checks, missing, conditions = [], [], []
        labels = rule.extra.get("kind_labels", {})
        if kind == "other":
            checks.append(self._check(rule, "fail", "fail"))
        elif not target:
            checks.append(self._check(rule, "unknown", "unknown_missing"))
            missing.append("target")
        elif kind is None:
            checks.append(self._check(rule, "unknown", "unknown_not_found", target=target))
            missing.append("target_kind")
        else:
            shown = cert.title if cert else target
            checks.append(self._check(rule, "pass", "pass", target=shown, kind_label=labels.get(kind, kind)))
            if cert and cert.registration_until and cert.registration_until < on:
                # Not blocking: fiches are often renewed, and our data may lag behind France compétences.
                message = self._check(rule, "unknown", "unknown_registration_ended", target=cert.title,
                                      until=french_date(cert.registration_until)).message
                checks.append(Check(rule.id, "unknown", message, cert.source.url))  # the fiche as the source
            if kind == "ccn":
                conditions.append(str(rule.extra["condition_ccn"]))
        return cert, kind, checks, missing, conditions

    def _employer_check(self, employer_kind: str | None, blocking_unknown: bool) -> tuple[Check, list[str]]:
        rule = self.rules["employer_kind"]
        labels = rule.extra.get("employer_labels", {})
        if employer_kind in ("private", "association"):
            return self._check(rule, "pass", "pass", employer_label=labels.get(employer_kind, employer_kind)), []
        if employer_kind == "public":
            return self._check(rule, "fail", "fail"), []
        if employer_kind == "epic":
            msg = rule.messages["uncertain_epic"]
            return Check(rule.id, "unknown", msg, rule.source.url), [msg]
        return self._check(rule, "unknown", "unknown"), []

    def _sector_check(self, sector: str | None) -> tuple[Check, list[str]]:
        rule = self.rules["sector"]
        if sector and sector != "autre":
            return self._check(rule, "pass", "pass", sector_label=self.sectors[sector].label), []
        return self._check(rule, "unknown", "unknown"), [str(rule.extra["condition"])]

    def _window_check(self, contract_date: date) -> Check:
        rule = self.rules["contract_window"]
        prog = self.programme
        fmt = {"contract_date": french_date(contract_date), "window_start": french_date(prog.window_start),
               "window_end": french_date(prog.window_end)}
        if contract_date < prog.window_start:
            return self._check(rule, "fail", "before", **fmt)
        if contract_date > prog.window_end:
            return self._check(rule, "fail", "after", **fmt)
        return self._check(rule, "pass", "pass", **fmt)

    def _check(self, rule: Rule, status: str, message_key: str, **values: Any) -> Check:
        template = rule.messages.get(message_key, rule.explanation)
        return Check(rule.id, status, template.format(**values), rule.source.url)

    # ----------------------------------------------------------- employer
    def check_employer(self, employer_kind: str | None, on: date, sector: str | None = None,
                       target: str | None = None, target_kind: str | None = None,
                       contract_date: date | None = None) -> EmployerAssessment:
        """Employer-side check: employer kind, sector, target and date -> verdict, reasons, next steps."""
        p = self.validate_profile({"employer_kind": employer_kind, "sector": sector, "target": target,
                                   "target_kind": target_kind, "contract_date": contract_date})
        checks: list[Check] = []
        conditions: list[str] = []
        missing: list[str] = []
        emp_check, emp_conditions = self._employer_check(p.get("employer_kind"), blocking_unknown=True)
        checks.append(emp_check)
        conditions += emp_conditions
        if p.get("employer_kind") in (None, "unknown"):
            missing.append("employer_kind")
        cert, _kind, t_checks, t_missing, t_conditions = self._target_checks(p, on)
        checks += t_checks
        missing += t_missing
        conditions += t_conditions
        s_check, s_conditions = self._sector_check(p.get("sector") or (cert.sector if cert else None))
        checks.append(s_check)
        conditions += s_conditions
        checks.append(self._window_check(p.get("contract_date") or on))
        conditions.append(str(self.rules["project_cap"].extra["condition_employer"]))
        verdict = decide(checks, missing)
        if verdict == "eligible" or verdict == "incomplete":
            steps = list(self.employer_steps["text"])
        elif verdict == "window_closed":
            steps = ["Aucune prolongation officielle n'a été trouvée : envisagez un contrat de professionnalisation "
                     "ordinaire ou une VAE classique via France VAE, et renseignez-vous auprès de votre OPCO."]
        else:
            steps = ["Ce contrat est réservé aux employeurs de droit privé : orientez la personne vers une VAE "
                     "classique (France VAE) ou vers un employeur privé partenaire."]
        reasons = [c.message for c in checks if c.status != "pass"] or [c.message for c in checks]
        return EmployerAssessment(verdict, checks, reasons, steps, _dedupe(conditions), missing, on)

    # ------------------------------------------------------------ sponsors
    def match_sponsors(self, department: str | None = None, certification: str | None = None,
                       sector: str | None = None, remaining_capacity: Mapping[str, int] | None = None,
                       limit: int = 5) -> list[SponsorMatch]:
        """Active sponsors covering the department (or national) and the certification (or its sector),
        with remaining capacity (caller's figures by sponsor id override the data), ranked, with reasons."""
        dep = None
        if department:
            dep = self.resolve_department(department)
            if dep is None:
                raise ProfileError("department", f"Erreur : département inconnu « {department} ».")
        if sector and sector not in self.sectors:
            raise ProfileError("sector", f"Erreur : secteur inconnu « {sector} ».")
        cert = self._resolve_target(certification) if certification else None
        wanted_sector = sector or (cert.sector if cert else None)
        if certification and not wanted_sector:
            return []  # a job outside the catalogue, sector unknown: no sponsor can be said to cover it
        out = []
        for sp in self.sponsors.values():
            if not sp.active:
                continue
            remaining = (remaining_capacity or {}).get(sp.id, sp.capacity)
            if remaining <= 0:
                continue
            score, reasons = 0, []
            if dep:
                if not sp.national and dep in sp.departments:
                    score += 2
                    reasons.append(f"intervient dans le département {dep} ({self.departments[dep].name})")
                elif sp.national:
                    score += 1
                    reasons.append("intervient dans toute la France")
                else:
                    continue
            if cert and cert.code in sp.certifications:
                score += 3
                reasons.append(f"propose « {cert.title} »")
            elif wanted_sector and wanted_sector in sp.sectors:
                score += 1
                reasons.append(f"intervient dans le secteur « {self.sectors[wanted_sector].label} »")
            elif cert or wanted_sector:
                continue
            reasons.append(f"{remaining} place(s) restante(s) annoncée(s)")
            if sp.demo:
                reasons.append("données de démonstration (exemple fictif)")
            out.append(SponsorMatch(sp, score, remaining, reasons))
        out.sort(key=lambda m: (-m.score, -m.remaining_capacity, m.sponsor.name))
        return out[:limit]

    # -------------------------------------------------------------- salary
    def minimum_salary(self, age: int, qualified: bool = False, on: date | None = None) -> SalaryResult:
        """Legal minimum monthly pay (35 h) in a contrat de professionnalisation at date ``on``."""
        if on is None:
            raise ProfileError("on", "Erreur : la date « on » est obligatoire.")
        if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 120:
            raise ProfileError("age", "Erreur : la clé « age » doit être un entier entre 0 et 120.")
        if age < self.programme.min_age:
            raise ProfileError("age", f"Erreur : la clé « age » doit être d'au moins {self.programme.min_age} "
                                      "ans pour un contrat de professionnalisation.")
        bracket = next(b for b in self.salary_grid if b.min_age <= age <= b.max_age)
        rates = [s for s in self.smic if s.effective <= on]
        if not rates:
            raise ProfileError("on", f"Erreur : aucun montant du SMIC connu au {on.isoformat()}.")
        smic = rates[-1]
        percent = bracket.percent_qualified if qualified else bracket.percent
        monthly = round(smic.monthly_eur * percent / 100, 2)
        text = (f"À {age} ans ({bracket.label}), le minimum est de {percent} % du SMIC, soit "
                f"{french_number(monthly)} € bruts par mois pour 35 heures (SMIC de "
                f"{french_number(smic.monthly_eur)} € au {french_date(smic.effective)}).")
        if not qualified and bracket.percent_qualified != bracket.percent:
            # Whether the person holds a bac pro is rarely known when the question is asked: give both.
            qualified_monthly = round(smic.monthly_eur * bracket.percent_qualified / 100, 2)
            text += (f" Avec au moins un bac pro ou un titre professionnel de même niveau : "
                     f"{bracket.percent_qualified} % du SMIC, soit {french_number(qualified_monthly)} €.")
        if bracket.note:
            text += " " + bracket.note
        return SalaryResult(age=age, qualified=qualified, bracket=bracket.label, percent=percent,
                            smic_monthly_eur=smic.monthly_eur, smic_hourly_eur=smic.hourly_eur,
                            smic_effective=smic.effective, monthly_minimum_eur=monthly, note=bracket.note,
                            text=text, sources=[self.salary_source, smic.source], as_of=on)

    def hiring_aids_at(self, age: int) -> tuple[str, list[Source]]:
        """The hiring aids of programme.yml for a job seeker of `age` hired in a contrat de professionnalisation,
        with their sources ("et pour quelqu'un de 22 ans ?" after the aids' answer)."""
        p = self.programme
        aid, state_aid = p.hiring_aid_france_travail_eur, p.hiring_aid_state_45_eur
        aid_age, state_age = p.hiring_aid_france_travail_min_age, p.hiring_aid_state_min_age
        facts = ["hiring_aid_france_travail_eur", "hiring_aid_state_45_eur"]
        if age >= state_age:
            text = (f"Pour l'embauche d'un demandeur d'emploi de {age} ans : jusqu'à {french_number(aid)} € de France "
                    f"Travail (dès {aid_age} ans) et {french_number(state_aid)} € de l'État (dès {state_age} ans), "
                    f"cumulables, soit jusqu'à {french_number(aid + state_aid)} €.")
        elif age >= aid_age:
            text = (f"Pour l'embauche d'un demandeur d'emploi de {age} ans : jusqu'à {french_number(aid)} € de France "
                    f"Travail (dès {aid_age} ans). L'aide de l'État de {french_number(state_aid)} € est réservée aux "
                    f"demandeurs d'emploi de {state_age} ans et plus.")
        else:
            text = (f"À {age} ans, aucune des aides que je connais ne s'applique : celle de France Travail vise les "
                    f"demandeurs d'emploi de {aid_age} ans et plus, celle de l'État ceux de {state_age} ans et plus.")
            if age < p.exceptional_aid_max_age:
                facts.append("exceptional_aid_end")
                text += (f" L'aide exceptionnelle de {french_number(p.exceptional_aid_eur)} € aux moins de "
                         f"{p.exceptional_aid_max_age} ans n'existe plus pour les contrats conclus depuis le "
                         f"{french_date(p.exceptional_aid_end)}.")
        text += " Vérifiez les conditions auprès de France Travail."
        by_url = {p.facts[key].source.url: p.facts[key].source for key in reversed(facts)}  # one line per page
        return text, list(reversed(by_url.values()))

    # ----------------------------------------------------------- validation
    def validate_profile(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        """Type/enum checks; returns a cleaned dict (None values dropped, dates parsed, department code)."""
        if not isinstance(profile, Mapping):
            raise ProfileError("profile", "Erreur : le profil doit être un objet JSON.")
        out: dict[str, Any] = {}
        for key, value in profile.items():
            if key not in PROFILE_KEYS:
                raise ProfileError(key, f"Erreur : clé inconnue « {key} » (clés possibles : "
                                        f"{', '.join(PROFILE_KEYS)}).")
            if value is None:
                continue
            out[key] = self._clean(key, value)
        return out

    def _clean(self, key: str, value: Any) -> Any:
        enums = {"situation": SITUATIONS, "target_kind": TARGET_KINDS, "employer_kind": EMPLOYER_KINDS,
                 "sector": SECTOR_IDS}
        if key == "age":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
                raise ProfileError(key, "Erreur : la clé « age » doit être un entier entre 0 et 120.")
            return value
        if key == "cdi_amendment":
            if not isinstance(value, bool):
                raise ProfileError(key, "Erreur : la clé « cdi_amendment » doit valoir true ou false.")
            return value
        if key in enums:
            if not isinstance(value, str) or value not in enums[key]:
                raise ProfileError(key, f"Erreur : valeur inconnue pour la clé « {key} » "
                                        f"(valeurs possibles : {', '.join(enums[key])}).")
            return value
        if key == "target":
            if not isinstance(value, str) or not value.strip():
                raise ProfileError(key, "Erreur : la clé « target » doit être un texte non vide.")
            return value.strip()
        if key == "department":
            code = self.resolve_department(str(value)) if isinstance(value, (str, int)) else None
            if code is None:
                raise ProfileError(key, f"Erreur : la clé « department » ne correspond à aucun département "
                                        f"({value!r}).")
            return code
        if key == "contract_date":
            if isinstance(value, date):
                return value
            try:
                return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad()
            except ValueError:
                raise ProfileError(key, "Erreur : la clé « contract_date » doit être une date AAAA-MM-JJ.") from None
        raise ProfileError(key, f"Erreur : clé inconnue « {key} ».")  # pragma: no cover

    # ---------------------------------------------------------------- check
    def audit(self, on: date) -> CheckReport:
        """Freshness report: facts verified more than 12 months before ``on`` and expired registrations."""
        limit = on - timedelta(days=365)
        stale: list[str] = []
        warnings: list[str] = []

        def visit(file: str, fld: str, src: Source) -> None:
            if src.verified and src.verified < limit:
                stale.append(f"{file}: {fld}: vérifié le {src.verified.isoformat()} (plus de 12 mois)")

        for key, fact in self.programme.facts.items():
            visit("programme.yml", f"facts.{key}", fact.source)
        for rule in self.rules.values():
            visit("rules.yml", f"rules.{rule.id}", rule.source)
        for topic in self.faq_topics.values():
            if topic.verified < limit:
                stale.append(f"faq.yml: topics[{topic.id}]: vérifié le {topic.verified.isoformat()} (plus de 12 mois)")
        for term in self.glossary.values():
            if term.verified < limit:
                stale.append(f"glossary.yml: terms[{term.id}]: vérifié le {term.verified.isoformat()} (plus de 12 mois)")
        visit("salary.yml", "grid_source", self.salary_source)
        for i, rate in enumerate(self.smic):
            visit("salary.yml", f"smic[{i}]", rate.source)
        for cert in self.certifications.values():
            visit("certifications.yml", f"certifications[{cert.code}]", cert.source)
            if cert.registration_until and cert.registration_until < on:
                warnings.append(f"certifications.yml: certifications[{cert.code}].registration_until: échéance "
                                f"{cert.registration_until.isoformat()} passée (fiche peut-être renouvelée)")
        if not [s for s in self.smic if s.effective <= on]:
            warnings.append("salary.yml: smic: aucun montant en vigueur à cette date")
        counts = {"faq_topics": len(self.faq_topics), "certifications": len(self.certifications),
                  "sponsors": len(self.sponsors), "rules": len(self.rules), "departments": len(self.departments),
                  "cities": len(self.cities), "glossary": len(self.glossary)}
        return CheckReport(errors=[], stale=stale, warnings=warnings, counts=counts)


def decide(checks: list[Check], missing: list[str]) -> str:
    """Precedence: a failed rule other than the window -> not_eligible; else window failed -> window_closed;
    else a missing required key -> incomplete; else eligible."""
    if any(c.status == "fail" and c.rule != "contract_window" for c in checks):
        return "not_eligible"
    if any(c.status == "fail" and c.rule == "contract_window" for c in checks):
        return "window_closed"
    if missing:
        return "incomplete"
    return "eligible"


def _without_certifier(title: str) -> str:
    """The title without the words in brackets that name its certifier ("(GIP FCIP académie d'Aix-Marseille)"),
    which nobody asks for: "Marseille" said for the job is not that certification. A one-word bracket is the
    acronym people type ("(DEAS)") and stays."""
    return re.sub(r"\s*\([^()]*\s[^()]*\)", "", title).strip() or title


def _similarity(q: str, label: str) -> float:
    if not label:
        return 0.0
    if q == label:
        return 1.0
    padded_q, padded_l = f" {q} ", f" {label} "
    if padded_l in padded_q and len(label) >= 3:
        return 0.9
    if len(q) >= 4 and padded_q in padded_l:
        return 0.85 + 0.1 * len(q) / len(label)
    ratio = SequenceMatcher(None, q, label).ratio()
    q_tokens, l_tokens = q.split(), label.split()
    n = len(q_tokens)
    if len(q) >= 4 and 0 < n < len(l_tokens):
        for i in range(len(l_tokens) - n + 1):
            window = " ".join(l_tokens[i:i + n])
            ratio = max(ratio, 0.95 * SequenceMatcher(None, q, window).ratio())
    return ratio


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]


def _bad() -> date:
    raise ValueError("bad date")
