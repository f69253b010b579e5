import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from knowledge import DATA_DIR

ROOT = Path(__file__).resolve().parents[2]


def run(*args, stdin="", env_today=None):
    env = {**os.environ}
    env.pop("VAE_TODAY", None)
    if env_today:
        env["VAE_TODAY"] = env_today
    return subprocess.run([sys.executable, "-m", "knowledge", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=60)


def test_assess_ok():
    r = run("assess", "--on", "2025-06-01", stdin=json.dumps({"age": 19, "target": "aide soigant"}))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["verdict"] == "eligible"
    assert set(out) >= {"verdict", "checks", "conditions", "missing", "as_of"}


def test_assess_uses_vae_today():
    r = run("assess", stdin=json.dumps({"age": 30, "target": "DEAS"}), env_today="2026-03-01")
    assert json.loads(r.stdout)["verdict"] == "window_closed"
    assert json.loads(r.stdout)["as_of"] == "2026-03-01"


@pytest.mark.parametrize("stdin, key", [
    ("not json", "JSON"), ("[1, 2]", "objet"), ('{"age": "dix-neuf"}', "age"),
    ('{"situation": "rentier"}', "situation"), ('{"contract_date": "1er mars"}', "contract_date"),
])
def test_assess_bad_input_exit_2(stdin, key):
    r = run("assess", "--on", "2025-06-01", stdin=stdin)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur") and key in lines[0]


def test_bad_on_date_exit_2():
    r = run("assess", "--on", "2025-13-01", stdin="{}")
    assert r.returncode == 2 and r.stderr.startswith("Erreur")


def test_certifications_search():
    r = run("certifications", "--search", "Aide-Soignant")
    assert r.returncode == 0
    assert json.loads(r.stdout)["matches"][0]["code"] == "RNCP35830"


def test_salary():
    r = run("salary", "--age", "19", "--on", "2026-06-01")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["percent"] == 55 and "SMIC" in out["text"]
    r = run("salary", "--age", "22", "--qualified", "--on", "2026-06-01")
    assert json.loads(r.stdout)["percent"] == 80
    r = run("salary", "--age", "15")
    assert r.returncode == 2 and "age" in r.stderr


def test_check_ok():
    r = run("check", "--on", "2026-11-26")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ok"] is True


def test_check_fails_on_broken_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    path = target / "certifications.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["certifications"][2]["source"]["url"] = "pas-une-url"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = run("check", "--data-dir", str(target))
    assert r.returncode == 1
    assert "certifications.yml: certifications[2].source.url" in r.stderr
    assert json.loads(r.stdout)["ok"] is False


def test_faq_command():
    r = run("faq", "window", "--on", "2026-03-01")
    assert r.returncode == 0 and "28 février 2026" in json.loads(r.stdout)["text"]
