"""The one command line: ``contactcenter serve | asterisk ... | events | db ... | crm ... |
simulate | analytics clv|whatif | recordings purge | config check``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

from contactcenter.commands.analytics import add_arguments as add_analytics_arguments
from contactcenter.config.files import ConfigError
from contactcenter.config.settings import Settings, load_settings
from contactcenter.telephony.sim.__main__ import add_arguments as add_simulation_arguments
from contactcenter.telephony.sim.__main__ import run_from_args

DEFAULT_CONFIG = Path("config/demo.yaml")
CRM_EPILOG = """\
columns (a header line names them; first_name and last_name are required):
  contacts: first_name, last_name, phone, email, language,
            do_not_call (yes/true/y/1 or no/false/n/0; empty: not stated)
  leads:    first_name, last_name, company, email, phone, source,
            status (new, contacted, qualified, unqualified, converted; default new),
            score (0 to 100), product (a known SKU)
a row needs a phone or an e-mail; one whose phone or e-mail is already known is
merged into that record, any other makes a new one and needs both names.
bad rows (wrong field count, control characters, bad values) are listed as
file:line: reason and skipped. an export puts a ' before a cell starting with
= + - @ (not a plain number), so that a spreadsheet shows it as text; the import
takes it off again.
exit status: 0 done, 1 no such file, 2 unreadable file, 3 done but with bad rows"""

#: what ``add_subparsers`` returns, that each command is added to
_Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _settings_command(commands: _Commands, name: str, summary: str,
                      actions: tuple[str, ...] = (), **options: Any) -> argparse.ArgumentParser:
    """A command that reads the settings: its ``action`` (when it has any) and ``--config``."""
    command = commands.add_parser(name, help=summary, **options)
    if actions:
        command.add_argument("action", choices=list(actions))
    command.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    return command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contactcenter", description=__doc__)
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ERROR")
    commands = parser.add_subparsers(dest="command", required=True)
    _settings_command(commands, "serve", "run the platform")
    _settings_command(commands, "asterisk", "provision and run Asterisk",
                      ("install", "render", "start", "stop", "status"))
    events = _settings_command(commands, "events", "print the live event stream")
    events.add_argument("--user", default="admin")
    events.add_argument("--password", default="demo-admin-pass")
    events.add_argument("--types", default="", help="comma-separated globs, e.g. call.*,ivr.*")
    database = _settings_command(commands, "db", "the CRM's database", ("migrate", "seed"))
    database.add_argument("--customers", type=int, default=2000,
                          help="seed: how many synthetic customers besides the demo's three")
    crm = _settings_command(commands, "crm", "import and export CRM data as CSV",
                            ("import", "export"), epilog=CRM_EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    crm.add_argument("what", choices=["contacts", "leads"])
    crm.add_argument("file", type=Path)
    _add_analyses(commands)
    recordings = _settings_command(
        commands, "recordings", "delete the call recordings older than "
        "recordings.retention_days", ("purge",))
    recordings.add_argument("--days", type=int, default=None,
                            help="this many days instead of the setting's")
    recordings.add_argument("--dry-run", action="store_true",
                            help="count what would be deleted; delete nothing")
    _settings_command(commands, "config", "validate the configuration", ("check",))
    return parser


def _add_analyses(commands: _Commands) -> None:
    """The commands that need no settings: their input is their arguments or a file."""
    add_simulation_arguments(commands.add_parser(
        "simulate", help="run the ACD core on generated traffic in virtual time, beside "
                         "Erlang A's prediction"))
    add_analytics_arguments(commands.add_parser(
        "analytics", help="fit models on a history and score customers: clv (lifetime value); "
        "whatif (a forecast day on the simulator)"))


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from contactcenter.server.serve import run

    asyncio.run(run(settings))
    return 0


def _asterisk(args: argparse.Namespace, settings: Settings) -> int:
    from contactcenter.telephony.asterisk.commands import asterisk_command

    return asterisk_command(args.action, settings)


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from contactcenter.commands.database import db_command

    return asyncio.run(db_command(args.action, settings, customers=args.customers))


def _crm(args: argparse.Namespace, settings: Settings) -> int:
    from contactcenter.commands.database import crm_command

    return asyncio.run(crm_command(args.action, args.what, args.file, settings))


def _recordings(args: argparse.Namespace, settings: Settings) -> int:
    from contactcenter.commands.recordings import purge_command

    return asyncio.run(purge_command(settings, days=args.days, dry_run=args.dry_run))


def _events(args: argparse.Namespace, settings: Settings) -> int:
    from contactcenter.commands.watch import watch

    return asyncio.run(watch(settings, args.user, args.password, args.types))


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from contactcenter.scripting import load_scripts
    from contactcenter.server.serve import check_config, load_queues

    flows = check_config(settings)
    scripts = load_scripts(settings.resolve(settings.scripts.dir))
    scripts.check_queues(load_queues(settings).queues)
    print(f"{args.config}: OK ({len(flows)} IVR flows, {len(scripts)} call scripts)")
    return 0


#: the commands that read the settings, each importing what it needs when it runs
_WITH_SETTINGS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "serve": _serve, "asterisk": _asterisk, "db": _db, "crm": _crm,
    "recordings": _recordings, "events": _events}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "simulate":  # needs no settings: its traffic is its arguments
        return run_from_args(args, sys.stdout)
    if args.command == "analytics":  # nor does an analysis: it reads the file it is given
        from contactcenter.commands.analytics import analytics_command

        return analytics_command(args, sys.stdout)
    try:
        settings = load_settings(args.config)
        return _WITH_SETTINGS.get(args.command, _check)(args, settings)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
