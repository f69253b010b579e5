"""Decide whether the model must be retrained, and train or validate it with the Rasa environment.

The decision uses a content hash of everything training reads (config, domain, nlu/ including
the generated lookup files), never file timestamps: a fresh clone has new timestamps but the
same content, and an edit undone is not a change.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

from stack import settings


def training_inputs(root: Path = settings.ROOT) -> list[Path]:
    files = [root / "config.yml", root / "domain.yml"]
    nlu_dir = root / "nlu"
    if nlu_dir.is_dir():
        files += sorted(p for p in nlu_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [f for f in files if f.exists()]


def fingerprint(files: list[Path], root: Path = settings.ROOT) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def needs_training(
    model_path: Path = settings.MODEL_PATH,
    fingerprint_path: Path = settings.FINGERPRINT_PATH,
    root: Path = settings.ROOT,
) -> bool:
    if not model_path.exists() or not fingerprint_path.exists():
        return True
    return fingerprint_path.read_text().strip() != fingerprint(training_inputs(root), root)


def generate_training_files() -> None:
    """Lookup tables and synonyms are built from knowledge/data before any validation or training."""
    from stack import lookups

    for path in lookups.generate(settings.ROOT):
        print(f"   generated {path.relative_to(settings.ROOT)}")


def rasa_argv(*args: str) -> list[str]:
    """The command line of `rasa <args>` in the Rasa environment.

    Through scripts/rasa_run.py, which does what `rasa <args>` does with its speed-ups (for training: spaCy's
    unused named-entity recogniser is off while the examples are featurized; the trained model is the same).
    """
    if not settings.RASA_PYTHON.exists():
        raise SystemExit("ERROR: the Rasa environment is missing: run `make train` or `make run`, which create it.")
    return [str(settings.RASA_PYTHON), str(settings.RASA_RUN_SCRIPT), *args]


def _run_rasa(*args: str) -> int:
    """Run the Rasa CLI from the repository root; return its exit code."""
    return subprocess.run(rasa_argv(*args), cwd=settings.ROOT, env=settings.Settings.from_env().child_env()).returncode


def train_args(out_dir: Path, model_name: str) -> list[str]:
    """`rasa train` arguments, the same for `make train` and for the bench's training from scratch."""
    return [
        "train",
        "--config", str(settings.CONFIG_FILE),
        "--domain", str(settings.DOMAIN_FILE),
        "--data", str(settings.NLU_DIR),
        "--out", str(out_dir),
        "--fixed-model-name", model_name,
        # `stack validate` (run by `make test`, strict) checks the data; Rasa's own lenient pass before training
        # read everything a second time (with spaCy's NER off, ~50 s less on a slow machine).
        "--skip-validation",
    ]


def validate(fail_on_warnings: bool = True) -> None:
    generate_training_files()
    code = _run_rasa(
        "data", "validate",
        "--config", str(settings.CONFIG_FILE),
        "--domain", str(settings.DOMAIN_FILE),
        "--data", str(settings.NLU_DIR),
        *(["--fail-on-warnings"] if fail_on_warnings else []),
    )
    if code:
        raise SystemExit("ERROR: `rasa data validate` found problems in the training data (see above).")


def train(force: bool = False) -> bool:
    """Train when needed; return True if a model was trained."""
    generate_training_files()
    if not force and not needs_training():
        print(f">> model {settings.MODEL_PATH.relative_to(settings.ROOT)} is up to date (content hash unchanged)")
        return False
    print(">> training the model (a few minutes on 2 cores)...", flush=True)
    from_scratch = rasa_cache_is_empty()
    started = time.monotonic()
    current = fingerprint(training_inputs())
    settings.MODELS_DIR.mkdir(exist_ok=True)
    code = _run_rasa(*train_args(settings.MODELS_DIR, settings.MODEL_NAME))
    if code or not settings.MODEL_PATH.exists():
        settings.FINGERPRINT_PATH.unlink(missing_ok=True)
        raise SystemExit(
            "ERROR: training failed (see Rasa's output above); the previous model, if any, is not used "
            "as up to date. Fix the data and run `make train` again."
        )
    seconds = time.monotonic() - started
    settings.FINGERPRINT_PATH.write_text(current + "\n")
    write_training_record(current, seconds, from_scratch)
    print(f">> trained in {seconds:.0f} s -> {settings.MODEL_PATH.relative_to(settings.ROOT)}")
    return True


def rasa_cache_dir() -> Path:
    return Path(os.environ.get("RASA_CACHE_DIRECTORY") or settings.RASA_CACHE_DIR)


def rasa_cache_is_empty() -> bool:
    """True when Rasa has nothing to reuse, so that a training now is a training from scratch."""
    cache = rasa_cache_dir()
    return not cache.is_dir() or not any(cache.iterdir())


def write_training_record(fingerprint_: str, seconds: float, from_scratch: bool,
                          path: Path = settings.TRAINING_RECORD_PATH) -> None:
    """Kept so that `make bench` can report a from-scratch training time without training a second time."""
    record = {"fingerprint": fingerprint_, "seconds": round(seconds, 1), "from_scratch": from_scratch,
              "model_bytes": settings.MODEL_PATH.stat().st_size if settings.MODEL_PATH.exists() else None,
              "measured_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    path.write_text(json.dumps(record, indent=2) + "\n")


def test_stories(stories: Path = settings.ROOT / "tests" / "data" / "test_stories.yml") -> None:
    """Dialogue test stories against the trained model; any wrong prediction fails."""
    out = settings.VAR_DIR / "reports" / "core"
    code = _run_rasa(
        "test", "core",
        "--model", str(settings.MODEL_PATH),
        "--stories", str(stories),
        "--out", str(out),
        "--fail-on-prediction-errors",
        "--no-plot",
    )
    if code:
        raise SystemExit(f"ERROR: test stories failed; see {out / 'failed_test_stories.yml'}")
