"""The session's live stack (see tests/live_testlib.py)."""

import pytest
from live_testlib import LiveStack

from stack import settings


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory):
    if not settings.MODEL_PATH.exists():
        pytest.fail(f"no trained model at {settings.MODEL_PATH}: run `make train` (make test does it)")
    stack = LiveStack(tmp_path_factory.mktemp("stack"))
    try:
        stack.start()
        yield stack
    finally:
        stack.supervisor.stop_all()
