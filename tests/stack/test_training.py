"""The retraining decision is a content hash of config, domain and nlu/, not timestamps."""

import os

import pytest

from stack.training import fingerprint, needs_training, training_inputs


@pytest.fixture
def project(tmp_path):
    (tmp_path / "config.yml").write_text("language: fr\n")
    (tmp_path / "domain.yml").write_text("intents: [greet]\n")
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "nlu.yml").write_text("nlu: []\n")
    (tmp_path / "models").mkdir()
    return tmp_path


def _trained(project):
    model = project / "models" / "vae.tar.gz"
    model.write_bytes(b"model")
    stamp = project / "models" / "vae.fingerprint"
    stamp.write_text(fingerprint(training_inputs(project), project))
    return model, stamp


def test_no_model_means_training(project):
    assert needs_training(project / "models" / "vae.tar.gz", project / "models" / "vae.fingerprint", project)


def test_unchanged_inputs_need_no_training_even_with_new_timestamps(project):
    model, stamp = _trained(project)
    for path in training_inputs(project):
        os.utime(path, (1, 1))
    assert not needs_training(model, stamp, project)


@pytest.mark.parametrize("relative", ["config.yml", "domain.yml", "nlu/nlu.yml"])
def test_edit_of_any_input_needs_training(project, relative):
    model, stamp = _trained(project)
    (project / relative).write_text((project / relative).read_text() + "# edit\n")
    assert needs_training(model, stamp, project)


def test_new_file_under_nlu_needs_training(project):
    model, stamp = _trained(project)
    (project / "nlu" / "generated").mkdir()
    (project / "nlu" / "generated" / "lookups.yml").write_text("nlu: []\n")
    assert needs_training(model, stamp, project)


def test_renaming_a_file_changes_the_fingerprint(project):
    before = fingerprint(training_inputs(project), project)
    (project / "nlu" / "nlu.yml").rename(project / "nlu" / "other.yml")
    assert fingerprint(training_inputs(project), project) != before


def test_undoing_an_edit_needs_no_training(project):
    model, stamp = _trained(project)
    original = (project / "domain.yml").read_text()
    (project / "domain.yml").write_text("intents: [bye]\n")
    (project / "domain.yml").write_text(original)
    assert not needs_training(model, stamp, project)


def test_missing_model_file_with_stamp_needs_training(project):
    model, stamp = _trained(project)
    model.unlink()
    assert needs_training(model, stamp, project)
