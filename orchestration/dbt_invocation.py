"""dbt run in the step's own process, its events turned into Dagster's by dagster-dbt.

dagster-dbt starts every ``dbt build`` as a process of its own and reads the
JSON log lines it prints. A process costs a build about 3.5 s per dbt call
here, beyond dbt's own work: Python starts, imports dbt, loads the saved
parse. A `gvc build` makes four calls.

Here the dbt resource runs dbt with ``dbtRunner`` in the process that runs the
step (the build's in-process executor, or the UI's run worker):

- dbt's events reach a callback as the dicts its JSON log lines would hold
  (``msg_to_dict``, the function dbt's JSON logger writes with), debug events
  left out as dbt's console leaves them out; dagster-dbt turns them into
  Dagster events unchanged (:class:`InProcessDbtInvocation` stands in for
  the process it reads);
- dbt runs when the events are first read, in the environment the call was
  made in (the raw root, the warehouse and the years go to dbt by the
  environment: ``orchestration.dbt_cli``);
- after the run, the DuckDB database dbt-duckdb keeps open in the process is
  closed, so the assets can read the warehouse;
- dbt writes its debug log (``dbt.log``) and artifacts to the call's target
  folder, as before; its console lines go where dagster-dbt's echo of the
  events goes (``orchestration.dbt._dbt_build``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dagster import DagsterExecutionInterruptedError
from dagster_dbt import DbtCliInvocation

from orchestration.dbt_cli import _release_duckdb, hash_profile_without_path
from orchestration.resources import scoped_environ

# what dagster-dbt sets for its dbt process, kept for the in-process run
_DBT_ENV = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DAGSTER_DBT_CLI": "true"}


class DbtRun:
    """What dagster-dbt reads of a dbt process (its command line, its exit code,
    its log lines), for dbt run in this process the first time the lines are read.

    ``args``: dbt's arguments (no executable); ``environ``: the environment
    to run dbt in (the caller's at the time of the call)."""

    def __init__(self, args: Sequence[str], environ: dict[str, str]):
        self.args = ["dbt", *args]
        self._dbt_args = list(args)
        self._environ = environ
        self.returncode: int | None = None
        self.exception: BaseException | None = None
        self.events: list[dict[str, Any]] = []
        self.read = False

    def run(self) -> None:
        """Run dbt once; its events, debug ones left out, go to :attr:`events`."""
        if self.returncode is not None:
            return
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        def keep(msg) -> None:
            if msg.info.level != "debug":
                self.events.append(msg_to_dict(msg))

        hash_profile_without_path()
        try:
            with scoped_environ(**self._environ):
                res = dbtRunner(callbacks=[keep]).invoke(self._dbt_args)
        finally:
            _release_duckdb()
        # dbtRunner returns every exception as a failed result, an interrupt too (Ctrl-C, or
        # Dagster's when a run is terminated): raised again, it stops the run as it would
        # have stopped dbt's own process, instead of passing for a failed dbt command
        if isinstance(res.exception, (KeyboardInterrupt, SystemExit, DagsterExecutionInterruptedError)):
            raise res.exception
        self.exception = res.exception
        self.returncode = 0 if res.success else (2 if res.exception is not None else 1)

    def wait(self, timeout: float | None = None) -> int:
        self.run()
        return int(self.returncode)

    def send_signal(self, signal: int) -> None:  # dagster-dbt's interrupt: dbt stops in this process already
        return None


class InProcessDbtInvocation(DbtCliInvocation):
    """dagster-dbt's invocation, reading the events of a :class:`DbtRun`."""

    process: DbtRun  # type: ignore[assignment]

    def _stream_stdout(self) -> Iterator[str | dict[str, Any]]:
        if self.process.read:  # as a finished process's closed stdout: nothing more
            return
        self.process.run()
        self.process.read = True
        for raw_event in self.process.events:
            if raw_event.get("info", {}).get("level") == "error":
                self._error_messages.append(raw_event["info"]["msg"])
            yield raw_event
        if self.process.returncode and not self._error_messages and self.process.exception is not None:
            self._error_messages.append(str(self.process.exception))

    @classmethod
    def start(cls, args: Sequence[str], environ: dict[str, str], **fields) -> InProcessDbtInvocation:
        """An invocation of ``dbt <args>`` run when its events are first read."""
        return cls(process=DbtRun(args, {**environ, **_DBT_ENV}), **fields)


def dbt_location_args(project_dir: Path, profiles_dir: Path | str, target_path: Path) -> list[str]:
    """The flags dagster-dbt gives its dbt process by the environment: project,
    profiles, and the call's target folder, which also takes its dbt.log; the
    console lines (``--quiet``) are the callback's to show."""
    return ["--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir),
            "--target-path", os.fspath(target_path), "--log-path", os.fspath(target_path), "--quiet"]

