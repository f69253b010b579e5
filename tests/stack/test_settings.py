"""Rasa's HTTP API is always token-protected: the stack passes one token to the Rasa server and the action server."""

from stack import settings
from stack.__main__ import server_services


def test_the_rasa_api_token_comes_from_the_environment_and_reaches_both_servers():
    cfg = settings.Settings.from_env({"RASA_API_TOKEN": "s3cret"})
    actions, rasa = server_services(cfg, env=cfg.child_env())
    assert rasa.argv[rasa.argv.index("--auth-token") + 1] == "s3cret" and "--enable-api" in rasa.argv
    assert actions.env["RASA_API_TOKEN"] == "s3cret" and actions.env["RASA_URL"] == cfg.rasa_url


def test_without_a_token_each_start_gets_a_random_one():
    first, second = settings.Settings.from_env({}), settings.Settings.from_env({"RASA_API_TOKEN": ""})
    assert len(first.rasa_api_token) >= 24 and first.rasa_api_token != second.rasa_api_token
