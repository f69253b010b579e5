"""Training and held-out data follow the same conventions, and the held-out set stays held out."""

import re
from pathlib import Path

import pytest

from knowledge.text import normalize
from stack.evaluate import heldout_examples, parse_example

ROOT = Path(__file__).resolve().parents[2]
TRAINING_FILES = sorted((ROOT / "nlu").glob("*.yml"))
HELDOUT_FILES = sorted((ROOT / "tests" / "data").glob("nlu_heldout*.yml"))

# Entity spans are the bare term: 'en [CDI]', 'au [RSA]', 'mon [entreprise]' — never '[en CDI]'.
LEADING_WORD = re.compile(r"^(en|au|aux|à|a|le|la|les|un|une|mon|ma|notre|du|des|o) ", re.I)
CHECKED_ENTITIES = {"situation", "employer_kind"}
# Fixed expressions whose first word belongs to the term.
FIXED_EXPRESSIONS = {"au foyer", "en arrêt maladie", "en arret maladie", "en recherche d'emploi", "en invalidité",
                     "en invalidite", "à mon compte", "a mon compte", "à la maison", "a la maison", "en études",
                     "en etudes", "en apprentissage", "au lycée", "au lycee", "à la fac", "a la fac"}


def _examples(path: Path) -> list[str]:
    return [line.strip()[2:] for line in path.read_text().splitlines() if line.strip().startswith("- ")]


@pytest.mark.parametrize("path", TRAINING_FILES + HELDOUT_FILES, ids=lambda p: p.name)
def test_situation_and_employer_spans_have_no_leading_preposition_or_article(path):
    offending = []
    for example in _examples(path):
        for entity, text in parse_example(example)[1]:
            if entity in CHECKED_ENTITIES and LEADING_WORD.match(text) and text.lower() not in FIXED_EXPRESSIONS:
                offending.append(f"{entity}: {text}")
    assert offending == []


def test_no_training_example_repeats_a_heldout_example():
    # Emoji-only and punctuation-only messages normalise to "" and are not compared.
    heldout = {normalize(text) for _, text, _ in heldout_examples(HELDOUT_FILES)} - {""}
    repeated = []
    for path in TRAINING_FILES:
        if path.name == "entities.yml":  # synonym lists, not intent examples
            continue
        for example in _examples(path):
            text, _ = parse_example(example)
            if normalize(text) in heldout:
                repeated.append(f"{path.name}: {text}")
    assert repeated == []
