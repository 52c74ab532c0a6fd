"""The frame around every command-line ``main``: what a user sees when input is bad, Ctrl-C, or a closed pipe.

- Bad input (:class:`UsageError`, a :class:`~holdem.config.ConfigError`, or
  an error type the command declares as bad input): one line
  ``PROG: error: MESSAGE`` on stderr, naming the problem and the fix; exit 2.
- A failure with its own status (:class:`CommandError` with ``exit_code``):
  the same one line; that status.
- Ctrl-C (KeyboardInterrupt): one line ``PROG: interrupted``; exit 130.
- stdout closed early (``| head``): silence; exit 0.

Argument errors go through :class:`Parser`, an ``ArgumentParser`` whose
``error`` prints the same one line (not the usage block) and exits 2.  No
traceback reaches the user in any of these cases.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
from typing import Any, Callable, NoReturn

from holdem.config import ConfigError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

Main = Callable[..., "int | None"]


class CommandError(Exception):
    """A failure to report in one line; ``exit_code`` is the process's exit status."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(CommandError):
    """Bad input (a flag, a path, a file): the message names the problem and the fix."""

    exit_code = EXIT_USAGE


def one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def report(prog: str, message: str) -> None:
    """Print ``PROG: error: MESSAGE`` as one line on stderr."""
    print(f"{prog}: error: {one_line(message)}", file=sys.stderr, flush=True)


def exit_usage(prog: str, message: str) -> NoReturn:
    """Report bad input in one line and exit 2 (for code that must not return, like ``ArgumentParser.error``)."""
    report(prog, message)
    raise SystemExit(EXIT_USAGE)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports a bad command line in one line (and ``--help`` for more); exit 2.

    Help is printed as written (plain text, line breaks kept), so each
    command's description and examples read as they do in its source.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        exit_usage(self.prog, f"{message} (see {self.prog} --help)")


def _silence_stdout() -> None:
    # The reader went away: further writes, and the flush at exit, must not complain.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def command(prog: str, usage_errors: tuple[type[BaseException], ...] = ()) -> Callable[[Main], Main]:
    """Decorate a CLI ``main`` with the behaviour of this module's docstring.

    ``usage_errors`` are exception types this command reports as bad input
    (exit 2), e.g. a snapshot directory that cannot be loaded.  The wrapped
    ``main`` returns the exit status; argument errors still exit through
    :class:`Parser` with ``SystemExit(2)``.
    """

    bad_input: tuple[type[BaseException], ...] = (ConfigError, *usage_errors)

    def decorate(main: Main) -> Main:
        @functools.wraps(main)
        def wrapper(*args: Any, **kwargs: Any) -> int | None:
            try:
                code = main(*args, **kwargs)
                if sys.stdout is not None:
                    sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
                return code
            except BrokenPipeError:
                _silence_stdout()
                return 0
            except KeyboardInterrupt:
                print(f"{prog}: interrupted", file=sys.stderr, flush=True)
                return EXIT_INTERRUPTED
            except CommandError as exc:
                report(prog, str(exc))
                return exc.exit_code
            except bad_input as exc:
                report(prog, str(exc))
                return EXIT_USAGE

        return wrapper

    return decorate
