"""`python -m kiosk.updates.launch --root DIR -- run --config FILE`: what systemd starts. Recovers the release folder
(half-installs, a trial that stopped, a crash within the window), then runs the kiosk of the current release."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from kiosk.updates.releases import ROOT_ENV, Releases

logger = logging.getLogger(__name__)
VERSION_ENV = "KIOSK_RELEASE_VERSION"


def command(root: Path, kiosk_args: list[str]) -> tuple[list[str], dict]:
    """The argv and environment that run the current release's kiosk, after recovery."""
    releases = Releases(root)
    releases.recover()
    version = releases.current()
    if version is None:
        raise SystemExit(f"kiosk launcher: {root} has no current release")
    site = releases.site_dir(version)
    path = os.environ.get("PYTHONPATH", "")
    env = {**os.environ, "PYTHONPATH": str(site) + (os.pathsep + path if path else ""), ROOT_ENV: str(root),
           VERSION_ENV: version}
    return [sys.executable, "-c", "import sys; from kiosk.cli import main; sys.exit(main())", *kiosk_args], env


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="kiosk-launch")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get(ROOT_ENV, "/opt/kiosk")))
    parser.add_argument("kiosk_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    kiosk_args = [a for a in args.kiosk_args if a != "--"] if args.kiosk_args[:1] == ["--"] else args.kiosk_args
    argv, env = command(args.root, kiosk_args)
    os.execve(argv[0], argv, env)  # the kiosk replaces the launcher: systemd watches one process
    return 1


if __name__ == "__main__":
    sys.exit(main())
