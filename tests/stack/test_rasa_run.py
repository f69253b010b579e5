"""scripts/rasa_run.py: the schema self-check runs once per schema, every reply is still validated.

The wrapper lives in the Rasa environment (jsonschema is not in ours), so the checks run there.
"""

import json
import subprocess
import textwrap

import pytest

from stack import settings

CHECKS = textwrap.dedent(
    """
    import copy, importlib.util, json, sys
    import jsonschema
    from jsonschema import Draft202012Validator, ValidationError, SchemaError

    original = jsonschema.validate
    spec = importlib.util.spec_from_file_location("rasa_run", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert jsonschema.validate is module.validate, "the wrapper did not replace jsonschema.validate"

    calls = []
    real_check = Draft202012Validator.check_schema.__func__
    Draft202012Validator.check_schema = classmethod(lambda cls, s, **kw: (calls.append(1), real_check(cls, s, **kw)))

    # The shape of Rasa's action-response schema (rebuilt as a new dict at every call, as Rasa does).
    def schema():
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                "properties": {"events": {"type": "array", "items": {"type": "object", "required": ["event"]}},
                               "responses": {"type": "array", "items": {"type": "object"}}}}

    good = {"events": [{"event": "slot", "name": "age", "value": 30}], "responses": [{"text": "ok"}]}
    bad = {"events": [{"name": "age"}], "responses": "not a list"}
    for _ in range(3):
        jsonschema.validate(copy.deepcopy(good), schema())
    results = {"checks_for_three_replies": len(calls)}

    def message(validate):
        try:
            validate(bad, schema())
        except ValidationError as error:
            return error.message
        return None

    results["bad_reply"] = message(jsonschema.validate)
    results["bad_reply_original"] = message(original)
    try:
        jsonschema.validate(good, {"type": "no such type"})
        results["bad_schema"] = "accepted"
    except SchemaError:
        results["bad_schema"] = "SchemaError"
    print(json.dumps(results))
    """
)


def run_in_rasa_env(script: str) -> dict:
    """Run `script` with scripts/rasa_run.py as its argument in the Rasa environment; its last line of JSON."""
    if not settings.RASA_PYTHON.exists():
        pytest.skip("the Rasa environment is not installed (make envs)")
    done = subprocess.run([str(settings.RASA_PYTHON), "-c", script, str(settings.RASA_RUN_SCRIPT)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def results():
    return run_in_rasa_env(CHECKS)


def test_the_schema_is_checked_once_for_many_replies(results):
    assert results["checks_for_three_replies"] == 1


def test_an_invalid_reply_is_rejected_with_the_original_message(results):
    assert results["bad_reply"] is not None
    assert results["bad_reply"] == results["bad_reply_original"]


def test_an_invalid_schema_is_still_refused(results):
    assert results["bad_schema"] == "SchemaError"


EVENT_TYPES = textwrap.dedent(
    """
    import importlib.util, json, sys
    import rasa.shared.utils.common as common
    from rasa.shared.core.events import Event, SlotSet

    original = Event.resolve_by_type
    names = sorted({cls.type_name for cls in common.all_subclasses(Event)})
    expected = {name: original(name).__name__ for name in names}

    spec = importlib.util.spec_from_file_location("rasa_run", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.remember_event_types()

    walks = []
    real_walk = common.all_subclasses
    common.all_subclasses = lambda cls: (walks.append(1), real_walk(cls))[1]
    first = {name: Event.resolve_by_type(name).__name__ for name in names}
    walks_first = len(walks)
    again = {name: Event.resolve_by_type(name).__name__ for name in names}
    walks_again = len(walks) - walks_first
    try:
        Event.resolve_by_type("no_such_event")
        unknown = "accepted"
    except ValueError:
        unknown = "ValueError"
    results = {"same": first == expected == again, "count": len(names), "walks_first": walks_first,
               "walks_again": walks_again, "unknown": unknown,
               "default": Event.resolve_by_type("no_such_event", SlotSet).__name__,
               "round_trip": type(Event.from_parameters({"event": "slot", "name": "age", "value": 3})).__name__}
    print(json.dumps(results))
    """
)


def test_event_classes_are_resolved_as_before_and_looked_up_once_per_name():
    results = run_in_rasa_env(EVENT_TYPES)
    assert results["same"] and results["count"] > 20
    assert results["walks_first"] > 0 and results["walks_again"] == 0  # the second round walks nothing
    assert results["unknown"] == "ValueError" and results["default"] == "SlotSet"
    assert results["round_trip"] == "SlotSet"
