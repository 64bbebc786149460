"""What a dead process leaves behind, found and cleared.

A build or run killed in the middle (SIGKILL, an abort in native code, a full
disk, a power cut) cannot clean up after itself. Two kinds of debris follow,
and both are cleared by the next writer:

- **files**: ``gvc build`` works on ``<warehouse>.building-<pid>`` (with its
  ``.wal`` and ``.lock``; dbt opens it through the link ``<warehouse>.building``)
  and writes its report into ``<reports>.building-<pid>``; a dead builder
  leaves them. They are named for the builder's pid, so :func:`remove_orphans`
  removes those whose pid is no longer alive (and a dangling link), never a
  live build's copy.
- **runs**: a run's status lives in the Dagster instance; a run whose process
  died stays ``STARTED`` for ever and, with one run allowed at a time, the
  queue never starts another. Every run that writes the warehouse tags
  itself with its process (:data:`PROCESS_TAG`: host, pid and the process's
  start time, so a recycled pid is not mistaken for it);
  :func:`fail_dead_runs` marks the unfinished runs whose process is gone as
  failed, saying why. `gvc build`, `gvc ui` and the raw-changes sensor call
  it. (Dagster's own run monitoring covers runs that never started:
  ``run_monitoring.start_timeout_seconds`` in dagster.yaml.)
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

__all__ = ["PROCESS_TAG", "process_token", "token_alive", "pid_alive", "building_name", "remove_orphans",
           "fail_dead_runs"]

PROCESS_TAG = "gvc/process"
_BUILDING = re.compile(r"\.building-(\d+)(\..*)?$")


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its closing one
    return stat[stat.rindex(")") + 2:].split()[19]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def process_token(pid: int | None = None) -> str:
    """``host:pid:start`` of a process (default this one): who ran a run."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or '?'}"


def token_alive(token: str) -> bool | None:
    """Whether the process a :func:`process_token` names still runs; None when
    it ran on another host (unknowable from here)."""
    try:
        host, pid, start = token.rsplit(":", 2)
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    now = _start_time(int(pid))
    return now is not None and (start == "?" or now == start)


def building_name(path: Path, pid: int | None = None) -> Path:
    """``<path>.building-<pid>``: the work copy of a warehouse file or a report folder."""
    return path.with_name(f"{path.name}.building-{os.getpid() if pid is None else pid}")


def remove_orphans(*targets: Path, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Remove the ``<target>.building-<pid>*`` files and folders of dead processes
    beside each target (a warehouse file, a report folder); returns what was removed."""
    removed = []
    for target in targets:
        if not target.parent.exists():
            continue
        for p in sorted(target.parent.glob(f"{target.name}.building-*")):
            m = _BUILDING.search(p.name[len(target.name):])
            if not m or pid_alive(int(m.group(1))):
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(p)
        alias = target.with_name(f"{target.name}.building")  # the name dbt opens a build's copy by
        if alias.is_symlink() and not alias.exists():  # dangling: its build died
            alias.unlink()
            removed.append(alias)
    if removed and progress is not None:
        progress(f"removed {len(removed)} file(s) left by a build that died: {', '.join(p.name for p in removed)}")
    return removed


def fail_dead_runs(instance, progress: Callable[[str], None] | None = None) -> list[str]:
    """Mark as failed every unfinished run of ``instance`` whose process (its
    :data:`PROCESS_TAG`) is no longer alive on this host; returns their ids."""
    import dagster as dg

    unfinished = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=unfinished)):
        token = run.tags.get(PROCESS_TAG)
        if not token or token_alive(token) is not False:
            continue
        instance.report_run_failed(run, f"the process that ran it ({token}) is gone: it died without "
                                        "finishing (killed, or crashed in native code); marked failed")
        failed.append(run.run_id)
    if failed and progress is not None:
        progress(f"marked {len(failed)} run(s) failed whose process died: {', '.join(r[:8] for r in failed)}")
    return failed
