"""The `kiosk` command: run the kiosk, check a config, and field-staff tools (device diagnostics, simulators)."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from config import ConfigError

logger = logging.getLogger(__name__)

# Each module adds its sub-commands with register(groups); groups are "top", "device" and "sim".
COMMAND_MODULES = (
    "kiosk.cli.idcard",
    "kiosk.cli.scanner",
    "kiosk.cli.run",
    "kiosk.cli.locker",
    "kiosk.cli.printer",
    "kiosk.cli.face",
    "kiosk.cli.audit",
)


class CliError(Exception):
    """A problem to tell the user in one line (exit status 1); never a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Property registration self-service kiosk")
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    top.required = True
    device = top.add_parser("device", help="diagnose a device (field staff)").add_subparsers(dest="device",
                                                                                            metavar="DEVICE")
    device.required = True
    sim = top.add_parser("sim", help="start a device simulator on a pty").add_subparsers(dest="sim", metavar="DEVICE")
    sim.required = True
    groups = {"top": top, "device": device, "sim": sim}
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(groups)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        # A command says what went wrong in its own one line; the drivers' warnings would only repeat it.
        # (`kiosk run` sets the kiosk's own logging up from its config.)
        from kiosk.privacy import PersonalDataFilter
        from kiosk.logs import StderrHandler

        handler = StderrHandler()
        handler.setLevel(logging.ERROR)
        handler.addFilter(PersonalDataFilter())
        logging.getLogger().addHandler(handler)
    return exit_status(lambda: args.func(args))


def exit_status(command) -> int:
    """Runs a command and gives its exit status: a bad config (2) or a CliError (1) is told in one line."""
    try:
        return int(command() or 0)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
