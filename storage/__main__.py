"""python -m storage upgrade [--url URL]"""

import argparse

from storage.config import database_url
from storage.store import migrate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage")
    parser.add_argument("command", choices=["upgrade"])
    parser.add_argument("--url", help="database URL (default: $DATABASE_URL or var/app.db)")
    args = parser.parse_args(argv)
    migrate(args.url)
    url = database_url(args.url)
    print(f"database at head: {url.split('@')[-1]}")  # host/db part only: never print a password
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
