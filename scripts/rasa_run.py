"""Run the Rasa CLI with jsonschema's schema self-check done once per schema (Rasa environment only).

Usage: .venvs/rasa/bin/python scripts/rasa_run.py <arguments>   — does what `rasa <arguments>` does.

Why: Rasa 3.6 checks every reply of the action server with `jsonschema.validate(reply, schema)`, and
`jsonschema.validate` first validates the *schema itself* against the JSON Schema meta-schema. For Rasa's
events schema that costs about 35 ms of CPU per action call on this machine, on the server's single event
loop, for a schema that never changes: the biggest single cost under load (see bench/HISTORY.md).
Here each distinct schema is checked once; every reply is still validated against it, with the same errors.

Also, when a command loads a trained model (run, shell, test) or trains one: spaCy's named-entity recogniser is
switched off. Rasa's SpacyNLP disables only the parser, yet no component of config.yml reads spaCy's entities
(there is no SpacyEntityExtractor), and NER was about 40 % of spaCy's time on every message. Tokens, lemmas and
vectors, which the featurizers use, do not depend on it. (Until 2026-12-08 DIET's weights were also built eagerly
at load, ~35 s saved: config.yml has no TensorFlow model since; commit 55886f0 has that patch.)

Also, `Event.resolve_by_type` finds an event's class by walking every subclass of `Event` recursively, for each
event read back from the tracker store or from the action server: ~0.1 ms per event, ~4 % of the server's time
under load. Here the class found for each type name is remembered (the classes do not change once imported).
"""

from __future__ import annotations

import json
import runpy
import sys

import jsonschema
from jsonschema import exceptions, validators

_checked_schemas: set[tuple[type, str]] = set()


def validate(instance, schema, cls=None, *args, **kwargs):
    """`jsonschema.validate` with the meta-schema check remembered for each distinct schema."""
    if cls is None:
        cls = validators.validator_for(schema)
    key = (cls, json.dumps(schema, sort_keys=True, default=repr))
    if key not in _checked_schemas:
        cls.check_schema(schema)  # raises SchemaError for a bad schema, as the original does
        _checked_schemas.add(key)
    error = exceptions.best_match(cls(schema, *args, **kwargs).iter_errors(instance))
    if error is not None:
        raise error


jsonschema.validate = validate


def skip_spacy_ner() -> None:
    """SpacyNLP.load_model with spaCy's NER disabled (its output is unused; see the module docstring)."""
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    original_load_model = SpacyNLP.load_model

    def load_model(spacy_model_name):
        model = original_load_model(spacy_model_name)
        if "ner" in model.model.pipe_names:
            model.model.disable_pipe("ner")
        return model

    SpacyNLP.load_model = staticmethod(load_model)


def remember_event_types() -> None:
    """Event.resolve_by_type with the class found for each type name remembered (see the module docstring)."""
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    found: dict[str, type] = {}

    def resolve_by_type(type_name, default=None):
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)  # unknown names still raise or give the default, uncached
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)


if __name__ == "__main__":
    sys.argv[0] = "rasa"
    if len(sys.argv) > 1 and sys.argv[1] in ("run", "shell", "test"):
        skip_spacy_ner()
        remember_event_types()
    elif len(sys.argv) > 1 and sys.argv[1] == "train":
        skip_spacy_ner()  # featurizing the training examples does not need spaCy's entities either
    runpy.run_module("rasa", run_name="__main__", alter_sys=True)
