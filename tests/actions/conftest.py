"""Fixtures of the action tests."""

import pytest
from action_testlib import TOKEN, FakeParseApi


@pytest.fixture
def nlu(monkeypatch):
    api = FakeParseApi({})
    monkeypatch.setenv("RASA_URL", api.url)
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    yield api
    api.server.shutdown()
