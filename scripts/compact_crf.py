"""Rasa's CRF entity extractor, saved as its trained taggers instead of its training set (Rasa environment only).

config.yml names this class; Rasa imports it from the repository root (its CLI puts the working directory on
sys.path, and every `rasa` command of stack/ runs from there).

Why: Rasa 3.6's CRFEntityExtractor does not save the CRF it trained. It saves every training example, each token
with spaCy's 300 vector values written as strings (377 MB of JSON for our 6 738 examples, though the default CRF
features never read the vectors), and trains the CRF again whenever a model is loaded: a model of 92 MiB instead
of 27, ~30 s more to start the Rasa server, and 4.6 GiB of peak memory instead of 1.5 (measured on 2026-12-07,
bench/HISTORY.md). Here the trained taggers themselves are saved (sklearn-crfsuite's CRF pickles the crfsuite
model it trained), and loading reads them back: the same taggers, so the same entities as just after training.
Training, features and extraction are Rasa's, unchanged.
"""

from __future__ import annotations

from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

TAGGERS_FILE = "crf_taggers.joblib"
ORDER_FILE = "crf_order.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class CompactCRFEntityExtractor(CRFEntityExtractor):
    """CRFEntityExtractor that persists its trained taggers (a few MB) rather than its training data."""

    def persist(self, dataset: list[list[CRFToken]]) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            joblib.dump(dict(self.entity_taggers or {}), model_dir / TAGGERS_FILE)
            dump_obj_as_json_to_file(model_dir / ORDER_FILE, self.crf_order)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> CompactCRFEntityExtractor:
        try:
            with model_storage.read_from(resource) as model_dir:
                taggers = joblib.load(model_dir / TAGGERS_FILE)
                crf_order = read_json_file(model_dir / ORDER_FILE)
        except ValueError:  # no resource: trained without any entity example, as Rasa's own load allows
            return cls(config, model_storage, resource)
        extractor = cls(config, model_storage, resource, taggers)
        extractor.crf_order = crf_order
        return extractor
