"""scripts/rasa_run.py, when a model is loaded for serving: spaCy's NER off, and the same predictions as Rasa's own
loading; the trained model holds our components' compact files. Runs in the Rasa environment, on the model
`make test` trained.
"""

import json
import subprocess
import textwrap

import pytest

from stack import settings

pytestmark = pytest.mark.e2e

MESSAGES = [
    "bonjour",
    "jsuis au chomage depuis 2 ans, je peux faire une vae inversee pour devenir aide soignante a lyon ?",
    "combien de temps dure le contrat",
    "supprimer mes données",
    "qdsfqsdf",
]

LOAD_AND_PARSE = textwrap.dedent(
    """
    import asyncio, importlib.util, json, sys
    model_path, script, patched, messages = sys.argv[1], sys.argv[2], sys.argv[3] == "1", json.loads(sys.argv[4])
    spec = importlib.util.spec_from_file_location("rasa_run", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if patched:
        module.skip_spacy_ner()
    from rasa.core.agent import Agent
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    agent = Agent.load(model_path)
    import gc
    spacy_pipes = sorted({pipe for m in gc.get_objects() if isinstance(m, SpacyNLP) for pipe in m._model.model.pipe_names})

    async def parse_all():
        return [await agent.parse_message(text) for text in messages]

    parsed = asyncio.run(parse_all())
    print(json.dumps({"spacy_pipes": spacy_pipes,
                      "parsed": [[p["intent"]["name"], round(p["intent"]["confidence"], 5),
                                  [(e["entity"], e["start"], e["end"], e.get("value")) for e in p["entities"]]]
                                 for p in parsed]}))
    """
)


def load_and_parse(patched: bool) -> dict:
    done = subprocess.run(
        [str(settings.RASA_PYTHON), "-c", LOAD_AND_PARSE, str(settings.MODEL_PATH), str(settings.RASA_RUN_SCRIPT),
         "1" if patched else "0", json.dumps(MESSAGES)],
        capture_output=True, text=True, timeout=300, env=settings.Settings.from_env().child_env(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def loads():
    if not settings.MODEL_PATH.exists():
        pytest.fail(f"no trained model at {settings.MODEL_PATH}: run `make train` (make test does it)")
    return {"rasa": load_and_parse(patched=False), "ours": load_and_parse(patched=True)}


def test_the_patched_load_predicts_exactly_what_rasa_loading_predicts(loads):
    assert loads["ours"]["parsed"] == loads["rasa"]["parsed"]
    assert {intent for intent, _, _ in loads["ours"]["parsed"]} != {"nlu_fallback"}


def test_spacy_runs_without_its_entity_recogniser_after_the_patched_load(loads):
    assert "ner" in loads["rasa"]["spacy_pipes"]
    assert "ner" not in loads["ours"]["spacy_pipes"]
    assert "lemmatizer" in loads["ours"]["spacy_pipes"]  # lemmas feed the CountVectorsFeaturizer


def test_the_model_keeps_the_trained_entity_crf_and_intent_classifier_not_a_training_set():
    """Rasa's own CRFEntityExtractor saves every training example (377 MB of JSON here) and trains again at each
    load; scripts/compact_crf.py saves the trained taggers, which the loads above use. The intent classifier is
    scripts/tfidf_logreg.py's regression, saved with its TF-IDF weights; no TensorFlow model is left."""
    import tarfile

    with tarfile.open(settings.MODEL_PATH) as archive:
        names = [name.rsplit("/", 1)[-1] for name in archive.getnames()]
    assert "crf_taggers.joblib" in names
    assert "crf_dataset.json" not in names
    assert "tfidf_logreg.joblib" in names
    assert not any(name.endswith(".tf_model.index") for name in names)
