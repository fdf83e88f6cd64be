"""The `hardgate` command line: click commands only. Each command group lives in its own module."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from gate import __version__
from gate.errors import HardgateError
from gate.reporters.common import printable


def fail(message: str, exit_code: int = 2) -> None:
    # One line, whatever the message quotes: a file name may hold a newline or an escape sequence.
    click.echo(f"hardgate: error: {printable(message)}", err=True)
    sys.exit(exit_code)


class HardgateGroup(click.Group):
    """Every error becomes one line on stderr and its exit code: no tracebacks, no usage dumps."""

    def main(self, args: Sequence[str] | None = None, *pargs: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            result = super().main(args, *pargs, **kwargs)
        except HardgateError as exc:
            fail(str(exc), exc.exit_code)
        except click.exceptions.Abort:
            fail("aborted", 130)
        except click.ClickException as exc:
            fail(exc.format_message(), 2)
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 2)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=HardgateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hardgate")
def main() -> None:
    """Hardgate: a fail-closed security gate for database-backed services."""


def _register() -> None:
    # One line per command module; a new command group is a new module plus one line here.
    from gate.cli import advisories, baseline, decision, envcheck, policy, scan, secrets, waivers

    main.add_command(scan.scan)
    main.add_command(policy.policy)
    main.add_command(advisories.advisories)

    main.add_command(waivers.waivers)
    main.add_command(baseline.baseline)
    main.add_command(decision.keygen)
    main.add_command(decision.verify_decision)
    main.add_command(envcheck.envcheck)
    main.add_command(secrets.secrets)

    from gate.cli import doctor

    main.add_command(doctor.doctor)

    from gate.cli import rules

    main.add_command(rules.rules)


_register()
