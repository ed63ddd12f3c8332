"""`kiosk run` (start the kiosk) and `kiosk config check` (validate a site profile without starting anything)."""
from __future__ import annotations

import os

from config import load_config


def register(groups) -> None:
    run = groups["top"].add_parser("run", help="start the kiosk")
    run.add_argument("--config", required=True, help="site profile (TOML), e.g. /etc/kiosk/site.toml")
    run.add_argument("--headless", action="store_true", help="run the core without the touch UI")
    run.set_defaults(func=_run)
    check = groups["top"].add_parser("config", help="check a configuration file")
    check.add_argument("action", choices=["check"])
    check.add_argument("path")
    check.set_defaults(func=_check)


def _check(args) -> int:
    config = load_config(args.path)
    print(f"ok: {args.path}: site {config.site.id} ({config.site.kind.value}), "
          f"services {', '.join(s.value for s in config.site.services)}")
    return 0


def _run(args) -> int:
    from kiosk.fleet.central_config import load_running

    config = load_running(args.config, load_config(args.config))  # with the central configuration last applied
    from kiosk.app import run_kiosk  # deferred: `kiosk config check` must not pay for device and UI imports
    return run_kiosk(config, headless=args.headless or os.environ.get("KIOSK_HEADLESS") == "1",
                     config_path=args.config)
