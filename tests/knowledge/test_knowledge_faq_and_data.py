import re
import shutil
from datetime import date

import pytest
import yaml

from knowledge import DATA_DIR, DataValidationError, load_knowledge
from knowledge.loader import load_data
from knowledge.models import FAQ_TOPIC_IDS

EVAL_MUST = {  # topic -> regexes the answer must contain (from the dev FAQ checks)
    "definition": ["contrat de pro"], "public_age": ["16 ans"], "status": ["16 ans"], "duration": ["36 mois"],
    "funding": [r"9[  .]?000"], "certifications": ["CQP"], "cdi_avenant": ["avenant"],
    "public_employers": ["priv[ée]"], "window": [r"28 f[ée]vrier 2026"], "cap": [r"5[  .]?000"],
    "sponsor_apply": [r"xp\.cprovae@emploi\.gouv\.fr", "DGEFP"], "salary": ["SMIC", "55"],
    "renewal_failure": ["renouvel"], "hiring_aids": [r"2[  .]?000"], "vs_classic_vae": ["exp[ée]rience"],
    "jury_validation": ["jury"],
    # "quelles dérogations au contrat pro classique ?" reaches this topic: it names the main ones.
    "contract_form": ["Cerfa", "16 ans", "36 mois", "VAE"],
}


def test_exactly_the_contract_topics(kb):
    assert set(kb.faq_topics) == set(FAQ_TOPIC_IDS)
    assert len(kb.faq_topics) == 40


@pytest.mark.parametrize("on", [date(2025, 1, 1), date(2026, 2, 28), date(2026, 3, 1), date(2027, 1, 1)])
def test_all_answers_short_sourced(kb, on):
    for tid in FAQ_TOPIC_IDS:
        ans = kb.render_faq(tid, on)
        assert 0 < len(ans.text) <= 700, tid
        assert ans.sources and all(s.url.startswith("http") for s in ans.sources), tid
        assert "{" not in ans.text, tid
        # One topic answers questions asked both ways ("faut-il un statut ?", "au RSA, puis-je ?"): no bare yes or no.
        assert not re.match(r"(oui|non)\b", ans.text, re.IGNORECASE), tid
        assert len(kb.faq_topics[tid].title) <= 40


@pytest.mark.parametrize("tid, patterns", sorted(EVAL_MUST.items()))
def test_answers_contain_key_facts(kb, tid, patterns):
    text = kb.render_faq(tid, date(2026, 11, 26)).text
    for pat in patterns:
        assert re.search(pat, text, re.IGNORECASE), (tid, pat)


def test_window_answer_is_date_aware(kb):
    before = kb.render_faq("window", date(2026, 2, 28)).text
    after = kb.render_faq("window", date(2026, 3, 1)).text
    assert "jusqu'au 28 février 2026" in before
    assert "terminée le 28 février 2026" in after
    assert "ouverte le 28 mai 2023" in after  # "depuis quand ?" is asked of this topic too
    assert "aucune prolongation officielle" in after
    assert "France VAE" in after and "contrat de professionnalisation ordinaire" in after


def test_programme_values(kb):
    p = kb.programme
    assert (p.window_start, p.window_end) == (date(2023, 5, 28), date(2026, 2, 28))
    assert (p.cap_parcours, p.max_duration_months, p.min_age, p.funding_annual_cap_eur) == (5000, 36, 16, 9000)
    assert all(f.source.url and f.source.verified for f in p.facts.values())


def test_catalogue_codes_and_sources(kb):
    assert len(kb.certifications) >= 15
    for code, cert in kb.certifications.items():
        assert re.fullmatch(r"RNCP\d{4,5}", code)
        assert cert.source.url.startswith("https://") and "francecompetences.fr" in cert.source.url
        assert code[4:] in cert.source.url
        assert cert.source.verified and cert.names and cert.sector in kb.sectors


def test_departments_and_cities(kb):
    assert len(kb.departments) == 101
    assert {"2A", "2B", "971", "976", "75"} <= set(kb.departments)
    assert len(kb.cities) >= 60


def test_check_passes_on_shipped_data(kb):
    report = kb.audit(date(2026, 11, 26))
    assert report.ok and report.stale == []
    assert kb.audit(date(2028, 1, 1)).stale  # everything is older than 12 months by then


def test_load_is_cached():
    assert load_knowledge() is load_knowledge(DATA_DIR)


def _broken_copy(tmp_path, file, mutate):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    path = target / file
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


@pytest.mark.parametrize("file, mutate, expected", [
    ("programme.yml", lambda d: d["facts"]["window_end"].pop("source"), "programme.yml: facts.window_end.source"),
    ("programme.yml", lambda d: d["facts"]["cap_parcours"].update(value="cinq mille"),
     "programme.yml: facts.cap_parcours.value"),
    ("certifications.yml", lambda d: d["certifications"][0]["source"].pop("verified"),
     "certifications.yml: certifications[0].source.verified"),
    ("certifications.yml", lambda d: d["certifications"][1].update(sector="spatial"),
     "certifications.yml: certifications[1].sector"),
    ("sponsors.yml", lambda d: d["sponsors"][0].update(certifications=["RNCP00000"]),
     "sponsors.yml: sponsors[0].certifications"),
    ("faq.yml", lambda d: d["topics"][0].update(follow_ups=["nowhere"]), "faq.yml: topics[definition].follow_ups"),
    ("faq.yml", lambda d: d["topics"][0].update(answer="x" * 701), "faq.yml: topics[definition].answer"),
    ("faq.yml", lambda d: d["topics"].pop(), "faq.yml: topics"),
    ("rules.yml", lambda d: d["rules"][0].pop("id"), "rules.yml: rules[0].id"),
    ("departments.yml", lambda d: d["departments"].pop(), "departments.yml: departments"),
    ("glossary.yml", lambda d: d["terms"][0].update(sources=[]), "glossary.yml: terms[opco].sources"),
    ("glossary.yml", lambda d: d["terms"][1].update(follow_ups=["nowhere"]), "glossary.yml: terms[geiq].follow_ups"),
    ("glossary.yml", lambda d: d["terms"][2].update(definition="{no_such_fact}"), "glossary.yml: terms[rncp].definition"),
])
def test_broken_copy_fails_naming_file_and_field(tmp_path, file, mutate, expected):
    broken = _broken_copy(tmp_path, file, mutate)
    with pytest.raises(DataValidationError) as exc:
        load_data(broken)
    assert any(e.startswith(expected) for e in exc.value.errors), exc.value.errors


def test_yaml_syntax_error_names_file(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    (target / "salary.yml").write_text("grid: [\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        load_data(target)
    assert exc.value.errors[0].startswith("salary.yml:")


@pytest.mark.parametrize("question, term", [
    ("c'est quoi un OPCO ?", "opco"),
    ("cest quoi un opco", "opco"),
    ("Qu'est-ce qu'un opérateur de compétences ?", "opco"),
    ("à quoi sert l'OPCO ?", "opco"),
    ("GEIQ ça veut dire quoi", "geiq"),
    ("Bonjour, qu'est ce que le RNCP exactement ?", "rncp"),
    ("définition de CQPI", "cqp"),
    ("CQP ?", "cqp"),
    ("ça veut dire quoi CDD ?", "cdd"),
    ("c'est quoi un contrat à durée indéterminée", "cdi"),
    ("c'est quoi un avenant ?", "avenant"),
    ("ça veut dire quoi avenant au CDI", "avenant"),
    ("c'est quoi France Travail ?", "france_travail"),
    ("Pôle emploi c'est quoi", "france_travail"),
    ("c'est quoi le SMIC ?", "smic"),
    ("c'est quoi l'aide de France Travail ?", None),
    ("CDI", None),  # a situation said, not a question
    ("le contrat c'est un CDD ou un CDI ?", None),
    # questions about the scheme that name a term are FAQ questions, not requests for a definition
    ("quel est le rôle de l'OPCO dans le financement ?", None),
    ("l'OPCO paie combien ?", None),
    ("nous sommes un GEIQ", None),
    ("c'est quoi la VAE inversée ?", None),
])
def test_a_definition_is_given_only_when_the_question_just_asks_what_a_term_means(kb, question, term):
    found = kb.term_asked(question)
    assert (found.id if found else None) == term


@pytest.mark.parametrize(("question", "asks"), [
    ("c'est quoi le RSA ?", True),
    ("ça veut dire quoi intérimaire", True),
    ("RSA ça veut dire quoi ?", True),
    ("je suis au RSA", False),
    ("combien dure le contrat ?", False),
])
def test_a_meaning_asked_is_read_whatever_the_term(kb, question, asks):
    assert kb.asks_a_meaning(question) is asks


@pytest.mark.parametrize(("question", "terms"), [
    ("quelle est la différence entre CDD et CDI ?", ["cdd", "cdi"]),
    ("quelle différence entre un OPCO et un GEIQ", ["opco", "geiq"]),
    ("quelle est la différence entre la VAE et la VAE inversée ?", []),  # a FAQ question, not two terms
    ("c'est quoi un CDD ?", []),
])
def test_two_terms_compared_are_both_found(kb, question, terms):
    assert [term.id for term in kb.terms_compared(question)] == terms


def test_glossary_definitions_fill_their_figures_from_the_programme(kb):
    assert "9 000 €" in kb.glossary["opco"].definition and "{" not in kb.glossary["opco"].definition
    assert all(term.sources and term.verified for term in kb.glossary.values())
