"""Test and demo entry point: runs the kiosk UI with the control channel on; refused for a site that is not a demo.

`python -m kiosk_testkit.kiosk_main --config demo.toml --control SOCKET`; `kiosk run` has no way to open the channel.
"""
from __future__ import annotations

import argparse
import logging
import sys

from config import load_config
from kiosk.cli import exit_status

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kiosk_testkit.kiosk_main",
                                     description="run the kiosk UI with the test and demo control channel")
    parser.add_argument("--config", required=True, help="a demo site profile (TOML) with site.demo = true")
    parser.add_argument("--control", required=True, help="the Unix socket the control channel listens on")
    return parser


def control_channel(socket_path: str):
    """The factory run_kiosk calls with the built app: Kivy is imported only then, after the window is configured."""
    def make(app):
        from kiosk_testkit.control import ControlServer

        return ControlServer(socket_path, app)
    return make


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def run() -> int:
        from kiosk.app import run_kiosk

        return run_kiosk(load_config(args.config), config_path=args.config, ui_control=control_channel(args.control))
    return exit_status(run)


if __name__ == "__main__":
    sys.exit(main())
