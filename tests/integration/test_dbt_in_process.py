"""The dbt resource runs dbt in the calling process and still gives
dagster-dbt's events (orchestration.dbt_invocation).

On a copy of the shared tiny build: a dbt test that passes and the same test
failing after NULLs are written into the DVAR mart come back as asset-check
evaluations that pass and fail, with dbt's failure message; a dbt command
that fails outright raises dagster-dbt's error carrying dbt's message; and
no call starts a process (neither ``dbt`` nor ``dbt --version``); an
interrupt while dbt runs stops the call instead of failing it.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator

import dagster as dg
import duckdb
import pytest
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from orchestration.dbt import TRANSLATOR, dbt_resource, ensure_manifest
from orchestration.dbt_cli import dbt_env, dbt_warehouse
from orchestration.dbt_invocation import InProcessDbtInvocation
from orchestration.resources import scoped_environ
from tests.warehouses import copy_warehouse

NOT_NULL = ["test", "--select", "fct_firm_year_dvar,test_name:not_null_columns"]


@pytest.fixture
def no_processes(monkeypatch) -> list:
    """Every process started meanwhile (its command line), each still started."""
    started, real = [], subprocess.Popen.__init__

    def recording(self, args, *a, **k):
        started.append(args)
        real(self, args, *a, **k)

    monkeypatch.setattr(subprocess.Popen, "__init__", recording)
    return started


@contextlib.contextmanager
def _call(args, root, wh, tmp_path, **kw) -> Iterator[InProcessDbtInvocation]:
    """A call made in the environment a build's dbt asset gives it, and read after
    that environment is gone (dbt runs then), while the warehouse's link lives."""
    with dbt_warehouse(wh) as path:
        with scoped_environ(**dbt_env(root, path)):
            inv = dbt_resource().cli(args, manifest=ensure_manifest(), dagster_dbt_translator=TRANSLATOR, target_path=tmp_path / "target", **kw)
        yield inv


def _evaluations(events) -> list[dg.AssetCheckEvaluation]:
    return [e for e in events if isinstance(e, dg.AssetCheckEvaluation)]


def test_dbt_tests_come_back_as_check_evaluations_without_a_process(tiny_warehouse, tmp_path, no_processes):
    root, built = tiny_warehouse
    wh = copy_warehouse(built, tmp_path)

    with _call(NOT_NULL, root, wh, tmp_path) as ok:
        (passed,) = _evaluations(ok.stream())
    assert passed.passed and passed.asset_key == dg.AssetKey(["fct_firm_year_dvar"])
    assert passed.check_name.startswith("not_null_columns_fct_firm_year_dvar")
    assert ok.is_successful() and ok.get_error() is None

    with duckdb.connect(str(wh)) as con:
        con.execute("update marts.fct_firm_year_dvar set firm_id = null where year = 2005")
    with _call(NOT_NULL, root, wh, tmp_path, raise_on_error=False) as bad:
        (failed,) = _evaluations(bad.stream())
    assert not failed.passed and failed.check_name == passed.check_name
    assert not bad.is_successful()
    assert "Got 1 result" in str(bad.get_error())
    assert [a for a in no_processes if "dbt" in str(a)] == []


def test_a_failing_dbt_command_raises_with_dbts_message(tiny_warehouse, tmp_path, no_processes):
    root, built = tiny_warehouse
    wh = copy_warehouse(built, tmp_path)
    with (_call(["run-operation", "no_such_macro_here"], root, wh, tmp_path) as inv,
          pytest.raises(DagsterDbtCliRuntimeError, match="no_such_macro_here")):
        list(inv.stream())
    assert (tmp_path / "target" / "dbt.log").exists()  # dbt's debug log, in the call's target folder
    assert [a for a in no_processes if "dbt" in str(a)] == []


def test_an_interrupt_during_dbt_stops_the_call_instead_of_failing_it(tiny_warehouse, tmp_path, monkeypatch):
    """dbtRunner hands back any exception as a failed result; Ctrl-C (or Dagster's
    interrupt of a terminated run) must stop the call as it stopped dbt's process."""
    import dbt_common.events.functions as dbt_events

    root, built = tiny_warehouse
    wh = copy_warehouse(built, tmp_path)

    def interrupted(msg):
        raise KeyboardInterrupt

    monkeypatch.setattr(dbt_events, "msg_to_dict", interrupted)  # the first event dbt fires
    with _call(NOT_NULL, root, wh, tmp_path, raise_on_error=False) as inv, pytest.raises(KeyboardInterrupt):
        list(inv.stream())
