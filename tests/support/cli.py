"""`custsync ARGS` called in this process: the console script's main() with the same arguments, environment,
stdin, working directory and exit code, without starting Python again (about 0.9 s a call).

Tests of what only a process shows (the entry point, a kill, SIGTERM or Ctrl-C, a terminal or its absence)
start the real process; every other CLI test calls this.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import threading
import traceback
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tui.cli import main


@dataclass
class Ran:
    """What a finished `custsync` call left, named and read as subprocess.run(..., text=True) gives it."""

    returncode: int
    stdout: str
    stderr: str


def custsync(*args: str, env: Mapping[str, str] | None = None, stdin: str | None = None,
             cwd: str | os.PathLike[str] | None = None) -> Ran:
    """Run `custsync *args`. `env` replaces the whole environment for the call (as subprocess's env=);
    `stdin` is what a pipe would give (nothing by default: no terminal either way)."""
    if _loop_running():  # an async test: main() runs its own event loop, so it gets a thread of its own
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(custsync, *args, env=env, stdin=stdin, cwd=cwd).result()
    main_thread = threading.current_thread() is threading.main_thread()
    out, err = io.StringIO(), io.StringIO()
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    saved_sigterm = signal.getsignal(signal.SIGTERM) if main_thread else None  # `custsync mocks` sets its own
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin or ""), out, err
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, a usage error
            code = _exit_status(exc.code)
        except KeyboardInterrupt:
            raise
        except BaseException:  # what the interpreter does with an exception main() let through
            traceback.print_exc()
            code = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        if saved_sigterm is not None:
            signal.signal(signal.SIGTERM, saved_sigterm)
    return Ran(code, _universal_newlines(out.getvalue()), _universal_newlines(err.getvalue()))


def _universal_newlines(text: str) -> str:
    """As subprocess.run(text=True) reads a pipe: a terminal's carriage returns (a progress bar redrawn) end lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
