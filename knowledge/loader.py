"""Load and validate the YAML data files. Every error names the file and the field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .models import (
    CERTIFICATION_KINDS,
    FAQ_TOPIC_IDS,
    SECTOR_IDS,
    AnswerVariant,
    Certification,
    City,
    Department,
    Fact,
    FaqTopic,
    GlossaryTerm,
    Programme,
    Rule,
    SalaryBracket,
    Sector,
    SmicRate,
    Source,
    Sponsor,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = ("programme.yml", "rules.yml", "faq.yml", "salary.yml", "certifications.yml", "sponsors.yml",
         "sectors.yml", "departments.yml", "glossary.yml")
# programme key -> expected python type
PROGRAMME_KEYS: dict[str, type] = {
    "law": str, "decree": str, "arrete": str, "ministry_faq": str, "window_start": date, "window_end": date,
    "window_extension_found": bool, "cap_parcours": int, "min_age": int, "max_duration_months": int,
    "funding_annual_cap_eur": int, "funding_pedagogy_cap_eur": int, "funding_coordination_cap_eur": int,
    "funding_annex_cap_eur": int, "evaluation_report_months": int, "sponsor_email": str,
    "opco_filing_days": int, "opco_decision_days": int, "hiring_aid_france_travail_eur": int,
    "hiring_aid_state_45_eur": int, "hiring_aid_france_travail_min_age": int, "hiring_aid_state_min_age": int,
    "exceptional_aid_end": date, "exceptional_aid_eur": int, "exceptional_aid_max_age": int,
}
REQUIRED_RULES = ("age_min", "status", "cdi_amendment", "target_kind", "employer_kind", "contract_window",
                  "sector", "project_cap")
MAX_ANSWER = 700
MAX_TITLE = 40
_CODE_RE = re.compile(r"^(RNCP\d{3,6}|CQP[\w-]+)$")
_TUTOIEMENT = re.compile(r"\b(tu|toi|ton|tes|ta)\b", re.IGNORECASE)
_TYPE_NAMES = {str: "texte", int: "entier", bool: "booléen (true/false)", date: "date AAAA-MM-JJ",
               list: "liste", dict: "objet"}


class DataValidationError(Exception):
    """Raised when data files are invalid; ``errors`` lists 'file: field: message' lines."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors[:5]) + (f" (+{len(errors) - 5})" if len(errors) > 5 else ""))


class _V:
    """Tiny validator accumulating errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, file: str, fld: str, msg: str) -> None:
        self.errors.append(f"{file}: {fld}: {msg}")

    def get(self, obj: Any, key: str, typ: type | tuple, file: str, path: str, required: bool = True,
            default: Any = None) -> Any:
        if not isinstance(obj, dict):
            self.err(file, path, "objet attendu")
            return default
        fld = f"{path}.{key}" if path else key
        if key not in obj or obj[key] is None:
            if required:
                self.err(file, fld, "champ obligatoire manquant")
            return default
        value = obj[key]
        if not _is_type(value, typ):
            self.err(file, fld, f"type attendu : {_type_name(typ)}, reçu : {type(value).__name__}")
            return default
        return value

    def source(self, obj: Any, file: str, path: str, need_verified: bool = True,
               default_verified: date | None = None) -> Source:
        src = self.get(obj, "source", dict, file, path)
        if not isinstance(src, dict):
            return Source(url="")
        spath = f"{path}.source" if path else "source"
        return self.source_obj(src, file, spath, need_verified, default_verified)

    def source_obj(self, src: dict, file: str, spath: str, need_verified: bool = True,
                   default_verified: date | None = None) -> Source:
        url = self.get(src, "url", str, file, spath, default="")
        if url and not url.startswith(("http://", "https://")):
            self.err(file, f"{spath}.url", "URL http(s) attendue")
        verified = self.get(src, "verified", date, file, spath, required=need_verified and not default_verified)
        evidence = self.get(src, "evidence", str, file, spath, required=False)
        return Source(url=url, title=self.get(src, "title", str, file, spath, required=False, default="") or "",
                      verified=verified or default_verified, evidence=evidence)


def _is_type(value: Any, typ: type | tuple) -> bool:
    types = typ if isinstance(typ, tuple) else (typ,)
    for t in types:
        if t is int and isinstance(value, bool):
            continue
        if t is date and not isinstance(value, date):
            continue
        if isinstance(value, t):
            return True
    return False


def _type_name(typ: type | tuple) -> str:
    types = typ if isinstance(typ, tuple) else (typ,)
    return " ou ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


def _read(path: Path, v: _V) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        v.err(path.name, "(fichier)", "fichier introuvable")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"ligne {mark.line + 1}" if mark else "(syntaxe)"
        v.err(path.name, where, f"YAML invalide : {getattr(exc, 'problem', exc)}")
    return None


def load_data(data_dir: Path) -> dict[str, Any]:
    """Parse and validate every file; raise DataValidationError listing all errors."""
    v = _V()
    raw = {name: _read(data_dir / name, v) for name in FILES}
    out: dict[str, Any] = {}
    if v.errors:
        raise DataValidationError(v.errors)
    out["sectors"] = _sectors(raw["sectors.yml"], v)
    out["departments"], out["cities"] = _departments(raw["departments.yml"], v)
    out["programme"] = _programme(raw["programme.yml"], v)
    out["rules"], out["employer_steps"] = _rules(raw["rules.yml"], v)
    out["salary_grid"], out["salary_source"], out["smic"] = _salary(raw["salary.yml"], v)
    out["certifications"] = _certifications(raw["certifications.yml"], v, out["sectors"])
    out["sponsors"] = _sponsors(raw["sponsors.yml"], v, out["sectors"], out["certifications"],
                                out["departments"])
    out["faq_topics"] = _faq(raw["faq.yml"], v, out["programme"])
    out["glossary"] = _glossary(raw["glossary.yml"], v, out["programme"])
    if v.errors:
        raise DataValidationError(v.errors)
    return out


def _sectors(doc: Any, v: _V) -> dict[str, Sector]:
    f = "sectors.yml"
    items = v.get(doc, "sectors", dict, f, "", default={})
    out = {}
    for sid, body in items.items():
        if sid not in SECTOR_IDS:
            v.err(f, f"sectors.{sid}", f"identifiant de secteur inconnu (attendus : {', '.join(SECTOR_IDS)})")
            continue
        label = v.get(body, "label", str, f, f"sectors.{sid}", default="")
        words = v.get(body, "words", list, f, f"sectors.{sid}", default=[])
        out[sid] = Sector(sid, label, [str(w) for w in words])
    for sid in SECTOR_IDS:
        if sid not in out and f"sectors.{sid}" not in " ".join(v.errors):
            v.err(f, f"sectors.{sid}", "secteur manquant")
    return out


def _departments(doc: Any, v: _V) -> tuple[dict[str, Department], list[City]]:
    f = "departments.yml"
    v.source_obj(v.get(doc, "source", dict, f, "", default={}), f, "source")
    deps: dict[str, Department] = {}
    for i, item in enumerate(v.get(doc, "departments", list, f, "", default=[])):
        p = f"departments[{i}]"
        code = v.get(item, "code", str, f, p, default="")
        name = v.get(item, "name", str, f, p, default="")
        if code in deps:
            v.err(f, f"{p}.code", f"code en double : {code}")
        if code:
            deps[code] = Department(code, name)
    if len(deps) != 101:
        v.err(f, "departments", f"101 départements attendus, {len(deps)} trouvés")
    cities = []
    for i, item in enumerate(v.get(doc, "cities", list, f, "", default=[])):
        p = f"cities[{i}]"
        name = v.get(item, "name", str, f, p, default="")
        dep = v.get(item, "department", str, f, p, default="")
        if dep and dep not in deps:
            v.err(f, f"{p}.department", f"département inconnu : {dep}")
        cities.append(City(name, dep))
    return deps, cities


def _programme(doc: Any, v: _V) -> Programme | None:
    f = "programme.yml"
    facts_raw = v.get(doc, "facts", dict, f, "", default={})
    facts: dict[str, Fact] = {}
    values: dict[str, Any] = {}
    for key, typ in PROGRAMME_KEYS.items():
        p = f"facts.{key}"
        body = facts_raw.get(key)
        if not isinstance(body, dict):
            v.err(f, p, "fait obligatoire manquant (value + source)")
            continue
        value = v.get(body, "value", typ, f, p)
        src = v.source(body, f, p)
        facts[key] = Fact(key, value, src, str(body.get("note", "") or ""))
        values[key] = value
    for key in facts_raw:
        if key not in PROGRAMME_KEYS:
            v.err(f, f"facts.{key}", "fait inconnu (non utilisé par le moteur)")
    if len(values) != len(PROGRAMME_KEYS) or any(val is None for val in values.values()):
        return None
    if values["window_start"] > values["window_end"]:
        v.err(f, "facts.window_end", "la fin de la période précède son début")
    return Programme(**values, facts=facts)


def _rules(doc: Any, v: _V) -> tuple[dict[str, Rule], dict[str, Any]]:
    f = "rules.yml"
    rules: dict[str, Rule] = {}
    for i, item in enumerate(v.get(doc, "rules", list, f, "", default=[])):
        p = f"rules[{i}]"
        rid = v.get(item, "id", str, f, p, default="")
        if rid in rules:
            v.err(f, f"{p}.id", f"identifiant en double : {rid}")
        applies = v.get(item, "applies_to", str, f, p, default="")
        if applies and applies not in ("candidate", "employer", "both"):
            v.err(f, f"{p}.applies_to", "valeur attendue : candidate, employer ou both")
        expl = v.get(item, "explanation", str, f, p, default="")
        msgs = v.get(item, "messages", dict, f, p, required=False, default={})
        src = v.source(item, f, p)
        extra = {k: val for k, val in item.items()
                 if k not in ("id", "applies_to", "explanation", "messages", "source")} if isinstance(item, dict) else {}
        rules[rid] = Rule(rid, applies, expl, {str(k): str(m) for k, m in msgs.items()}, src, extra)
    for rid in REQUIRED_RULES:
        if rid not in rules:
            v.err(f, f"rules.{rid}", "règle obligatoire manquante")
    steps = v.get(doc, "employer_steps", dict, f, "", default={})
    text = v.get(steps, "text", list, f, "employer_steps", default=[])
    src = v.source(steps, f, "employer_steps")
    return rules, {"text": [str(t) for t in text], "source": src}


def _salary(doc: Any, v: _V) -> tuple[list[SalaryBracket], Source, list[SmicRate]]:
    f = "salary.yml"
    grid = []
    for i, item in enumerate(v.get(doc, "grid", list, f, "", default=[])):
        p = f"grid[{i}]"
        b = SalaryBracket(
            min_age=v.get(item, "min_age", int, f, p, default=0), max_age=v.get(item, "max_age", int, f, p, default=0),
            label=v.get(item, "label", str, f, p, default=""), percent=v.get(item, "percent", int, f, p, default=0),
            percent_qualified=v.get(item, "percent_qualified", int, f, p, default=0),
            note=v.get(item, "note", str, f, p, required=False, default="") or "")
        grid.append(b)
    grid.sort(key=lambda b: b.min_age)
    for a, b in zip(grid, grid[1:], strict=False):
        if b.min_age != a.max_age + 1:
            v.err(f, "grid", f"tranches d'âge non contiguës entre {a.label!r} et {b.label!r}")
    src_raw = v.get(doc, "grid_source", dict, f, "", default={})
    gsrc = v.source_obj(src_raw, f, "grid_source")
    smic = []
    for i, item in enumerate(v.get(doc, "smic", list, f, "", default=[])):
        p = f"smic[{i}]"
        smic.append(SmicRate(effective=v.get(item, "effective", date, f, p, default=date.min),
                             hourly_eur=float(v.get(item, "hourly_eur", (int, float), f, p, default=0)),
                             monthly_eur=float(v.get(item, "monthly_eur", (int, float), f, p, default=0)),
                             source=v.source(item, f, p)))
    if not smic:
        v.err(f, "smic", "au moins un montant du SMIC est requis")
    smic.sort(key=lambda s: s.effective)
    return grid, gsrc, smic


def _certifications(doc: Any, v: _V, sectors: dict[str, Sector]) -> dict[str, Certification]:
    f = "certifications.yml"
    out: dict[str, Certification] = {}
    for i, item in enumerate(v.get(doc, "certifications", list, f, "", default=[])):
        p = f"certifications[{i}]"
        code = v.get(item, "code", str, f, p, default="")
        if code and not _CODE_RE.match(code):
            v.err(f, f"{p}.code", f"code invalide : {code!r} (attendu RNCP suivi de chiffres, ou CQP...)")
        if code in out:
            v.err(f, f"{p}.code", f"code en double : {code}")
        kind = v.get(item, "kind", str, f, p, default="")
        if kind and kind not in CERTIFICATION_KINDS:
            v.err(f, f"{p}.kind", f"valeur attendue : {', '.join(CERTIFICATION_KINDS)}")
        level = v.get(item, "level", int, f, p, required=False)
        if level is not None and not 3 <= level <= 8:
            v.err(f, f"{p}.level", "niveau attendu entre 3 et 8")
        sector = v.get(item, "sector", str, f, p, default="")
        if sector and sector not in sectors:
            v.err(f, f"{p}.sector", f"secteur inconnu : {sector}")
        names = v.get(item, "names", list, f, p, default=[])
        cert = Certification(code=code, kind=kind, title=v.get(item, "title", str, f, p, default=""),
                             level=level, sector=sector, names=[str(n) for n in names],
                             source=v.source(item, f, p),
                             registration_until=v.get(item, "registration_until", date, f, p, required=False))
        if code:
            out[code] = cert
    return out


def _sponsors(doc: Any, v: _V, sectors: dict[str, Sector], certs: dict[str, Certification],
              deps: dict[str, Department]) -> dict[str, Sponsor]:
    f = "sponsors.yml"
    out: dict[str, Sponsor] = {}
    for i, item in enumerate(v.get(doc, "sponsors", list, f, "", default=[])):
        p = f"sponsors[{i}]"
        sid = v.get(item, "id", str, f, p, default="")
        if sid in out:
            v.err(f, f"{p}.id", f"identifiant en double : {sid}")
        name = v.get(item, "name", str, f, p, default="")
        demo = v.get(item, "demo", bool, f, p, default=False)
        if demo and not name.startswith("Exemple"):
            v.err(f, f"{p}.name", "une entrée de démonstration doit commencer par « Exemple »")
        departments = v.get(item, "departments", (list, str), f, p, default=[])
        if isinstance(departments, str) and departments != "national":
            v.err(f, f"{p}.departments", "liste de codes ou « national » attendu")
        elif isinstance(departments, list):
            for d in departments:
                if str(d) not in deps:
                    v.err(f, f"{p}.departments", f"département inconnu : {d}")
            departments = [str(d) for d in departments]
        cert_codes = v.get(item, "certifications", list, f, p, default=[])
        for c in cert_codes:
            if c not in certs:
                v.err(f, f"{p}.certifications", f"certification absente du catalogue : {c}")
        sec = v.get(item, "sectors", list, f, p, default=[])
        for s in sec:
            if s not in sectors:
                v.err(f, f"{p}.sectors", f"secteur inconnu : {s}")
        if not cert_codes and not sec:
            v.err(f, p, "au moins une certification ou un secteur est requis")
        capacity = v.get(item, "capacity", int, f, p, default=0)
        if capacity < 0:
            v.err(f, f"{p}.capacity", "capacité négative")
        contact = v.get(item, "contact", dict, f, p, default={})
        channel = v.get(contact, "channel", str, f, f"{p}.contact", default="")
        if channel and channel not in ("email", "phone", "web", "address"):
            v.err(f, f"{p}.contact.channel", "valeur attendue : email, phone, web ou address")
        v.get(contact, "value", str, f, f"{p}.contact")
        out[sid] = Sponsor(id=sid, name=name, kind=v.get(item, "kind", str, f, p, default=""),
                           departments=departments, certifications=[str(c) for c in cert_codes],
                           sectors=[str(s) for s in sec], capacity=capacity,
                           contact={str(k): str(x) for k, x in contact.items()},
                           active=v.get(item, "active", bool, f, p, default=False), demo=demo)
    return out


def _faq(doc: Any, v: _V, programme: Programme | None) -> dict[str, FaqTopic]:
    from .engine import placeholders  # local import to avoid a cycle

    f = "faq.yml"
    defaults = v.get(doc, "defaults", dict, f, "", required=False, default={})
    default_verified = defaults.get("verified") if isinstance(defaults.get("verified"), date) else None
    topics: dict[str, FaqTopic] = {}
    items = v.get(doc, "topics", list, f, "", default=[])
    for i, item in enumerate(items):
        p = f"topics[{i}]"
        tid = v.get(item, "id", str, f, p, default="")
        p = f"topics[{tid or i}]"
        if tid in topics:
            v.err(f, f"{p}.id", f"identifiant en double : {tid}")
        if tid and tid not in FAQ_TOPIC_IDS:
            v.err(f, f"{p}.id", "identifiant de thème inconnu (liste fixe du contrat)")
        title = v.get(item, "title", str, f, p, default="")
        if len(title) > MAX_TITLE:
            v.err(f, f"{p}.title", f"titre trop long ({len(title)} > {MAX_TITLE} caractères)")
        answer = v.get(item, "answer", str, f, p, required="answer_variants" not in (item or {}), default="")
        variants = []
        for j, var in enumerate(v.get(item, "answer_variants", list, f, p, required=False, default=[])):
            vp = f"{p}.answer_variants[{j}]"
            until = v.get(var, "until", str, f, vp, required=False)
            after = v.get(var, "after", str, f, vp, required=False)
            if (until is None) == (after is None):
                v.err(f, vp, "indiquer exactement un de « until » ou « after »")
            ref = until or after
            if ref and (ref not in PROGRAMME_KEYS or PROGRAMME_KEYS[ref] is not date):
                v.err(f, vp, f"« {ref} » n'est pas une date de programme.yml")
            variants.append(AnswerVariant(v.get(var, "answer", str, f, vp, default=""), until, after))
        srcs = []
        for j, s in enumerate(v.get(item, "sources", list, f, p, default=[])):
            if isinstance(s, dict):
                srcs.append(v.source_obj(s, f, f"{p}.sources[{j}]", need_verified=False))
            else:
                v.err(f, f"{p}.sources[{j}]", "objet {url, title} attendu")
        if not srcs:
            v.err(f, f"{p}.sources", "au moins une source est requise")
        verified = v.get(item, "verified", date, f, p, required=not default_verified) or default_verified
        follow = v.get(item, "follow_ups", list, f, p, required=False, default=[])
        texts = [answer] if answer else []
        texts += [var.answer for var in variants]
        for k, text in enumerate(texts):
            fld = f"{p}.answer" if answer and k == 0 else f"{p}.answer_variants"
            if programme is not None:
                try:
                    text = text.format_map(placeholders(programme))
                except (KeyError, ValueError, IndexError) as exc:
                    v.err(f, fld, f"variable inconnue ou mal formée : {exc}")
                    continue
            if len(text) > MAX_ANSWER:
                v.err(f, fld, f"réponse trop longue ({len(text)} > {MAX_ANSWER} caractères)")
            if _TUTOIEMENT.search(text):
                v.err(f, fld, "tutoiement détecté : utiliser le vouvoiement")
        topics[tid] = FaqTopic(tid, title, answer, srcs, verified, [str(x) for x in follow], variants)
    for tid, topic in topics.items():
        for fu in topic.follow_ups:
            if fu not in FAQ_TOPIC_IDS or fu == tid:
                v.err(f, f"topics[{tid}].follow_ups", f"référence invalide : {fu}")
    missing = [t for t in FAQ_TOPIC_IDS if t not in topics]
    if missing:
        v.err(f, "topics", f"thèmes manquants : {', '.join(missing)}")
    return topics


def _glossary(doc: Any, v: _V, programme: Programme | None) -> dict[str, GlossaryTerm]:
    from .engine import placeholders  # local import to avoid a cycle

    f = "glossary.yml"
    defaults = v.get(doc, "defaults", dict, f, "", required=False, default={})
    default_verified = defaults.get("verified") if isinstance(defaults.get("verified"), date) else None
    terms: dict[str, GlossaryTerm] = {}
    for i, item in enumerate(v.get(doc, "terms", list, f, "", default=[])):
        tid = v.get(item, "id", str, f, f"terms[{i}]", default="")
        p = f"terms[{tid or i}]"
        if tid in terms:
            v.err(f, f"{p}.id", f"identifiant en double : {tid}")
        names = [str(n) for n in v.get(item, "names", list, f, p, default=[])]
        if not names:
            v.err(f, f"{p}.names", "au moins un nom est requis")
        definition = v.get(item, "definition", str, f, p, default="")
        if programme is not None:
            try:
                definition = definition.format_map(placeholders(programme))
            except (KeyError, ValueError, IndexError) as exc:
                v.err(f, f"{p}.definition", f"variable inconnue ou mal formée : {exc}")
        if len(definition) > MAX_ANSWER:
            v.err(f, f"{p}.definition", f"définition trop longue ({len(definition)} > {MAX_ANSWER} caractères)")
        if _TUTOIEMENT.search(definition):
            v.err(f, f"{p}.definition", "tutoiement détecté : utiliser le vouvoiement")
        srcs = [v.source_obj(s, f, f"{p}.sources[{j}]", need_verified=False)
                for j, s in enumerate(v.get(item, "sources", list, f, p, default=[])) if isinstance(s, dict)]
        if not srcs:
            v.err(f, f"{p}.sources", "au moins une source est requise")
        verified = v.get(item, "verified", date, f, p, required=not default_verified) or default_verified
        follow = [str(x) for x in v.get(item, "follow_ups", list, f, p, required=False, default=[])]
        for topic in follow:
            if topic not in FAQ_TOPIC_IDS:
                v.err(f, f"{p}.follow_ups", f"thème inconnu : {topic}")
        terms[tid] = GlossaryTerm(tid, names, definition, srcs, verified, follow)
    return terms
