"""Rasa's HTTP API is always token-protected: the stack passes one token to the Rasa server and the action server."""

import subprocess

import pytest

from stack import settings
from stack.__main__ import server_services


def test_the_rasa_api_token_comes_from_the_environment_and_reaches_both_servers():
    cfg = settings.Settings.from_env({"RASA_API_TOKEN": "s3cret"})
    actions, rasa = server_services(cfg, env=cfg.child_env())
    assert "--auth-token=s3cret" in rasa.argv and "--enable-api" in rasa.argv
    assert actions.env["RASA_API_TOKEN"] == "s3cret" and actions.env["RASA_URL"] == cfg.rasa_url


def test_without_a_token_each_start_gets_a_random_one():
    first, second = settings.Settings.from_env({}), settings.Settings.from_env({"RASA_API_TOKEN": ""})
    assert len(first.rasa_api_token) >= 24 and first.rasa_api_token != second.rasa_api_token


@pytest.mark.skipif(not settings.RASA_PYTHON.exists(), reason="needs the Rasa environment (make envs)")
def test_a_token_that_starts_with_a_dash_reaches_rasa_as_the_token():
    """secrets.token_urlsafe starts with « - » about once in 64 starts: Rasa's own argument parser, run on the
    stack's command line, must read it as the token (it failed with « expected one argument »)."""
    cfg = settings.Settings.from_env({"RASA_API_TOKEN": "-dashed_token"})
    _, rasa = server_services(cfg, env=cfg.child_env())
    script = ("import sys; from rasa.__main__ import create_argument_parser; "
              "print(create_argument_parser().parse_args(sys.argv[1:]).auth_token)")
    run = subprocess.run([str(settings.RASA_PYTHON), "-c", script, *rasa.argv[2:]], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.strip().splitlines()[-1] == "-dashed_token"
