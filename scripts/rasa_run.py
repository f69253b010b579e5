"""Run the Rasa CLI with jsonschema's schema self-check done once per schema (Rasa environment only).

Usage: .venvs/rasa/bin/python scripts/rasa_run.py <arguments>   — does what `rasa <arguments>` does.

Why: Rasa 3.6 checks every reply of the action server with `jsonschema.validate(reply, schema)`, and
`jsonschema.validate` first validates the *schema itself* against the JSON Schema meta-schema. For Rasa's
events schema that costs about 35 ms of CPU per action call on this machine, on the server's single event
loop, for a schema that never changes: the biggest single cost under load (see README, Performance).
Here each distinct schema is checked once; every reply is still validated against it, with the same errors.
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

if __name__ == "__main__":
    sys.argv[0] = "rasa"
    runpy.run_module("rasa", run_name="__main__", alter_sys=True)
