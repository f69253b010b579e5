"""Command line: python -m knowledge {assess,certifications,salary,check,faq}. JSON in/out.

Exit codes: 0 success; 1 data files invalid (check or startup); 2 bad input (one-line French error on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from . import DATA_DIR, load_knowledge
from .clock import today
from .engine import ProfileError
from .loader import DataValidationError, load_data


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one-line French error, exit 2
        raise _UsageError(f"Erreur : arguments invalides ({message}).")


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"la date « {value} » doit être au format AAAA-MM-JJ") from None


def _parser() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=None, help="dossier des fichiers YAML")
    parser = _Parser(prog="python -m knowledge", description="Connaissances VAE inversée")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("assess", parents=[common], help="évalue un profil JSON lu sur l'entrée standard")
    p.add_argument("--on", type=_date_arg, default=None)
    p = sub.add_parser("certifications", parents=[common], help="recherche dans le catalogue")
    p.add_argument("--search", required=True)
    p.add_argument("--limit", type=int, default=5)
    p = sub.add_parser("salary", parents=[common], help="salaire minimum")
    p.add_argument("--age", type=int, required=True)
    p.add_argument("--qualified", action="store_true")
    p.add_argument("--on", type=_date_arg, default=None)
    p = sub.add_parser("check", parents=[common], help="valide les fichiers de données")
    p.add_argument("--on", type=_date_arg, default=None)
    p = sub.add_parser("faq", parents=[common], help="affiche une réponse de la FAQ")
    p.add_argument("topic")
    p.add_argument("--on", type=_date_arg, default=None)
    return parser


def _emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        on = getattr(args, "on", None) or today()
        data_dir = args.data_dir or DATA_DIR
        if args.command == "check":
            return _check(Path(data_dir), on)
        kb = load_knowledge(data_dir)
        if args.command == "assess":
            _emit(kb.assess(_read_profile(), on).to_dict())
        elif args.command == "certifications":
            _emit({"query": args.search,
                   "matches": [m.to_dict() for m in kb.find_certifications(args.search, limit=args.limit)]})
        elif args.command == "salary":
            _emit(kb.minimum_salary(args.age, args.qualified, on).to_dict())
        elif args.command == "faq":
            if args.topic not in kb.faq_topics:
                raise ProfileError("topic", f"Erreur : thème inconnu « {args.topic} ».")
            _emit({"topic": args.topic, **kb.render_faq(args.topic, on).to_dict()})
        return 0
    except (_UsageError, ProfileError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except DataValidationError as exc:
        sys.stderr.write("Erreur : données invalides : " + " | ".join(exc.errors) + "\n")
        return 1


def _read_profile() -> dict[str, Any]:
    raw = sys.stdin.read()
    try:
        profile = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ProfileError("profile", f"Erreur : JSON invalide sur l'entrée standard (ligne {exc.lineno}, "
                                      f"colonne {exc.colno}).") from None
    if not isinstance(profile, dict):
        raise ProfileError("profile", "Erreur : le profil doit être un objet JSON ({...}).")
    return profile


def _check(data_dir: Path, on: date) -> int:
    try:
        from . import KnowledgeBase

        kb = KnowledgeBase(**load_data(data_dir))  # uncached: always re-read the files
    except DataValidationError as exc:
        _emit({"ok": False, "errors": exc.errors, "stale": [], "warnings": [], "as_of": on.isoformat()})
        for line in exc.errors:
            sys.stderr.write(f"Erreur : {line}\n")
        return 1
    report = kb.audit(on)
    _emit({**report.to_dict(), "as_of": on.isoformat()})
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
