"""Tests of the NLU lookup/synonym generator (stack/lookups.py) on small fixture data."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from stack import lookups
from stack.lookups import LookupsError, build, generate, strip_accents

REPO_ROOT = Path(__file__).resolve().parents[2]

CERTIFICATIONS = """\
certifications:
  - code: "RNCP4495"
    kind: rncp
    title: "Diplôme d'État d'aide-soignant"
    level: 4
    sector: sanitaire_social
    names: ["aide-soignant", "aide-soignante", "aide soignant"]
    source: {url: "https://example.org/rncp4495", verified: 2026-11-26}
  - code: "RNCP34147"
    kind: rncp
    title: "Titre professionnel cuisinier"
    level: 3
    sector: hotellerie_restauration
    names: ["cuisinier", "cuisinière", "commis de cuisine"]
    source: {url: "https://example.org/rncp34147", verified: 2026-11-26}
  - code: "CQP0001"
    kind: cqp
    title: "CQP agent logistique"
    level: null
    sector: logistique
    names: ["cariste", "préparateur de commandes"]
    source: {url: "https://example.org/cqp", verified: 2026-11-26}
  - code: "RNCP0002"
    kind: rncp
    title: "Titre professionnel cariste d'entrepôt"
    level: 3
    sector: logistique
    names: ["cariste", "conducteur de chariot"]
    source: {url: "https://example.org/rncp2", verified: 2026-11-26}
"""

DEPARTMENTS = """\
departments:
  - {code: "01", name: "Ain"}
  - {code: "2A", name: "Corse-du-Sud"}
  - {code: "42", name: "Loire"}
  - {code: "69", name: "Rhône"}
  - {code: "75", name: "Paris"}
  - {code: "93", name: "Seine-Saint-Denis"}
  - {code: "974", name: "La Réunion"}
  - {code: "971", name: "Guadeloupe"}
cities:
  - {name: "Lyon", department: "69"}
  - {name: "Paris", department: "75"}
  - {name: "Saint-Étienne", department: "42"}
  - {name: "Ajaccio", department: "2A"}
  - {name: "Saint-Denis", department: "93"}
  - {name: "Saint-Denis (La Réunion)", department: "974"}
"""

SECTORS = """\
sectors:
  - id: btp
    label: "Bâtiment et travaux publics"
    words: ["BTP", "bâtiment", "chantier"]
  - id: hotellerie_restauration
    label: "Hôtellerie-restauration"
    words: ["restauration", "hôtellerie", "restaurant"]
  - id: logistique
    label: "Logistique"
    words: ["entrepôt", "logistique"]
"""


def make_repo(
    root: Path,
    certifications: str = CERTIFICATIONS,
    departments: str = DEPARTMENTS,
    sectors: str = SECTORS,
) -> Path:
    data = root / "knowledge" / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "certifications.yml").write_text(certifications, encoding="utf-8")
    (data / "departments.yml").write_text(departments, encoding="utf-8")
    (data / "sectors.yml").write_text(sectors, encoding="utf-8")
    return root


def synonym_map(repo: Path) -> dict[str, str]:
    """text.lower() -> value, exactly as Rasa's EntitySynonymMapper would see it."""
    doc = yaml.safe_load((repo / "nlu" / "generated" / "synonyms.yml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = {}
    for item in doc["nlu"]:
        for line in item["examples"].splitlines():
            text = line.strip()[2:]
            assert text.lower() not in mapping, f"duplicate synonym {text!r}"
            mapping[text.lower()] = item["synonym"]
    for item in doc["nlu"]:  # Rasa also maps each value to itself, case-insensitively
        mapping.setdefault(item["synonym"].lower(), item["synonym"])
    return mapping


def lookup_table(repo: Path, name: str) -> list[str]:
    doc = yaml.safe_load((repo / "nlu" / "generated" / "lookups.yml").read_text(encoding="utf-8"))
    tables = {item["lookup"]: item["examples"] for item in doc["nlu"]}
    return [line.strip()[2:] for line in tables[name].splitlines()]


def resolve(mapping: dict[str, str], text: str) -> str:
    return mapping.get(text.lower(), text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def test_generate_writes_rasa_files(repo: Path) -> None:
    paths = generate(repo)
    assert paths == [repo / "nlu/generated/lookups.yml", repo / "nlu/generated/synonyms.yml"]
    for path in paths:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert doc["version"] == "3.1"
        assert isinstance(doc["nlu"], list) and doc["nlu"]
        for item in doc["nlu"]:
            assert isinstance(item["examples"], str)
            assert all(line.startswith("    - ") for line in path.read_text().splitlines() if "    " in line)
            # synonym names are strings even for département numbers ("01", not 1)
            if "synonym" in item:
                assert isinstance(item["synonym"], str)


def test_every_department_name_and_number_maps_to_its_code(repo: Path) -> None:
    generate(repo)
    mapping = synonym_map(repo)
    deps = yaml.safe_load(DEPARTMENTS)["departments"]
    for dep in deps:
        code = dep["code"]
        assert resolve(mapping, code) == code
        assert resolve(mapping, dep["name"]) == code, dep["name"]
        assert resolve(mapping, dep["name"].upper()) == code
        assert resolve(mapping, strip_accents(dep["name"])) == code
    assert resolve(mapping, "seine saint denis") == "93"
    assert resolve(mapping, "Seine-St-Denis") == "93"
    assert resolve(mapping, "la reunion") == "974"
    assert resolve(mapping, "Réunion") == "974"  # without the article
    assert resolve(mapping, "2a") == "2A"


def test_cities_map_to_their_department(repo: Path) -> None:
    generate(repo)
    mapping = synonym_map(repo)
    assert resolve(mapping, "Lyon") == "69"
    assert resolve(mapping, "Ajaccio") == "2A"
    assert resolve(mapping, "saint-etienne") == "42"
    assert resolve(mapping, "St Etienne") == "42"
    # Paris is both a département and a city of the same code: merged, no conflict
    assert resolve(mapping, "paris") == "75"
    places = lookup_table(repo, "department")
    for name in ("Lyon", "Saint-Étienne", "Saint-Etienne", "Saint Etienne", "Rhône", "Rhone", "Paris"):
        assert name in places


def test_ambiguous_city_is_left_out_of_synonyms_with_a_warning(repo: Path) -> None:
    result = build(repo)
    assert not any(t.lower() == "saint-denis" for texts in result.synonyms.values() for t in texts)
    assert any("saint-denis" in w and "93" in w and "974" in w for w in result.warnings)
    assert "Saint-Denis" in result.lookups["department"]  # still recognised as a place
    assert "Saint-Denis (La Réunion)" in result.synonyms["974"]  # the qualified name is not ambiguous


def test_certification_names_map_to_codes_with_accent_free_variants(repo: Path) -> None:
    generate(repo)
    mapping = synonym_map(repo)
    assert resolve(mapping, "aide-soignante") == "RNCP4495"
    assert resolve(mapping, "Aide Soignant") == "RNCP4495"
    assert resolve(mapping, "diplome d'etat d'aide-soignant") == "RNCP4495"
    assert resolve(mapping, "cuisiniere") == "RNCP34147"
    assert resolve(mapping, "preparateur de commandes") == "CQP0001"
    # "cariste" names two certifications: ambiguous, left to the knowledge lookup
    assert "cariste" not in mapping
    certs = lookup_table(repo, "certification")
    for name in ("cariste", "cuisinière", "cuisiniere", "Diplôme d'État d'aide-soignant",
                 "Diplome d'Etat d'aide-soignant", "préparateur de commandes", "preparateur de commandes"):
        assert name in certs


def test_sector_words_map_to_sector_ids(repo: Path) -> None:
    generate(repo)
    mapping = synonym_map(repo)
    assert resolve(mapping, "BTP") == "btp"
    assert resolve(mapping, "batiment") == "btp"
    assert resolve(mapping, "Bâtiment et travaux publics") == "btp"
    assert resolve(mapping, "hotellerie restauration") == "hotellerie_restauration"
    assert resolve(mapping, "entrepot") == "logistique"


def test_output_is_sorted_and_stable_across_runs(repo: Path) -> None:
    paths = generate(repo)
    first = [p.read_text(encoding="utf-8") for p in paths]
    mtimes = [p.stat().st_mtime_ns for p in paths]
    assert generate(repo) == paths
    assert [p.read_text(encoding="utf-8") for p in paths] == first
    assert [p.stat().st_mtime_ns for p in paths] == mtimes  # unchanged content is not rewritten
    # input order does not matter
    other = make_repo(
        repo.parent / "shuffled",
        departments="departments:\n" + "".join(reversed(DEPARTMENTS.split("cities:")[0].splitlines(True)[1:]))
        + "cities:" + DEPARTMENTS.split("cities:")[1],
    )
    assert [p.read_text(encoding="utf-8") for p in generate(other)] == first
    for table in build(repo).lookups.values():
        assert table == sorted(table, key=lookups._sort_key)


def test_no_duplicate_synonyms_case_insensitive(repo: Path) -> None:
    result = build(repo)
    seen: set[str] = set()
    for value, texts in result.synonyms.items():
        for text in texts:
            assert text.lower() not in seen
            assert text.lower() != value.lower()
            seen.add(text.lower())
    for table in result.lookups.values():
        assert len({t.lower() for t in table}) == len(table)


def test_handwritten_synonyms_are_not_duplicated(repo: Path) -> None:
    nlu = repo / "nlu"
    nlu.mkdir()
    (nlu / "entities.yml").write_text(
        textwrap.dedent(
            """\
            version: "3.1"
            nlu:
            - synonym: btp
              examples: |
                - chantier
            - synonym: hotellerie_restauration
              examples: |
                - restaurant
            - intent: inform
              examples: |
                - je bosse dans l'[entrepôt]{"entity": "sector", "value": "industrie"}
            """
        ),
        encoding="utf-8",
    )
    result = build(repo)
    generated = {t.lower() for texts in result.synonyms.values() for t in texts}
    assert "chantier" not in generated and "restaurant" not in generated  # same value: merged
    assert "entrepôt" not in generated  # conflicting hand-written value wins
    assert any("entrepôt" in w and "industrie" in w for w in result.warnings)


def test_duplicate_department_code_is_rejected(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, departments='departments:\n  - {code: "75", name: "Paris"}\n'
                                           '  - {code: "75", name: "Lutèce"}\n')
    with pytest.raises(LookupsError, match=r"departments\.yml: departments\[1\]\.code: duplicate code '75'"):
        build(repo)


def test_duplicate_certification_code_is_rejected(tmp_path: Path) -> None:
    certs = CERTIFICATIONS + '  - {code: "RNCP4495", kind: rncp, title: "Autre", names: []}\n'
    repo = make_repo(tmp_path, certifications=certs)
    with pytest.raises(LookupsError, match=r"certifications\.yml: certifications\[4\]\.code: duplicate"):
        build(repo)


@pytest.mark.parametrize(
    ("file", "content", "pattern"),
    [
        ("departments", 'departments:\n  - {code: "75"}\n', r"departments\.yml: departments\[0\]\.name: missing"),
        ("departments", 'departments:\n  - {code: "99", name: "Nulle part"}\n',
         r"departments\.yml: departments\[0\]\.code: '99' is not a French"),
        ("departments", 'departments:\n  - {code: "75", name: "Paris"}\ncities:\n  - {name: "Lyon", department: "69"}\n',
         r"departments\.yml: cities\[0\]\.department: unknown département code '69'"),
        ("departments", "cities: []\n", r"departments\.yml: departments: missing"),
        ("certifications", 'certifications:\n  - {code: "RNCP1", kind: rncp}\n',
         r"certifications\.yml: certifications\[0\]\.title: missing"),
        ("certifications", 'certifications:\n  - {code: "RNCP1", title: "T", names: [1, 2]}\n',
         r"certifications\.yml: certifications\[0\]\.names: expected a list"),
        ("certifications", "certifications:\n  - just a string\n",
         r"certifications\.yml: certifications\[0\]: expected a mapping"),
        ("certifications", "certifications: [unclosed\n", r"certifications\.yml: invalid YAML"),
        ("sectors", "sectors:\n  - {label: sans id}\n", r"sectors\.yml: sectors\[0\]\.id: missing"),
        ("sectors", "sectors:\n  - {id: BTP, label: x}\n", r"sectors\.yml: sectors\[0\]\.id: 'BTP' is not"),
        ("sectors", "sectors: 12\n", r"sectors\.yml: sectors: expected a list or a mapping"),
    ],
)
def test_malformed_input_names_file_and_field(tmp_path: Path, file: str, content: str, pattern: str) -> None:
    repo = make_repo(tmp_path, **{file: content})
    with pytest.raises(LookupsError, match=pattern):
        generate(repo)
    assert not (repo / "nlu" / "generated").exists()


def test_missing_file_is_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "knowledge" / "data" / "sectors.yml").unlink()
    with pytest.raises(LookupsError, match=r"sectors\.yml: file not found"):
        build(repo)


def test_unquoted_numeric_codes_and_sector_mapping_shape(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        departments="departments:\n  - {code: 75, name: Paris}\n  - {code: 1, name: Ain}\n",
        sectors="btp:\n  label: BTP\n  words: [bâtiment]\nautre: Autre secteur\n",
    )
    result = build(repo)
    assert "Ain" in result.synonyms["01"] and "Paris" in result.synonyms["75"]
    assert "batiment" in result.synonyms["btp"] and "Autre secteur" in result.synonyms["autre"]


def test_strip_accents() -> None:
    assert strip_accents("Hôpital Évry œuvre à Périgueux") == "Hopital Evry oeuvre a Perigueux"


def test_command_line_prints_what_it_wrote(repo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "stack.lookups", str(repo)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "nlu/generated/lookups.yml" in proc.stdout and "nlu/generated/synonyms.yml" in proc.stdout
    assert "warning" in proc.stderr  # the ambiguous "cariste" / "Saint-Denis"
    (repo / "knowledge" / "data" / "departments.yml").write_text("departments: 3\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "stack.lookups", str(repo)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 1 and "departments.yml" in proc.stderr
