"""The report's LaTeX tables compile with pdflatex (Debian's texlive), as an
author pastes them into a paper: each ``tables/*.tex`` of a full build's
report, and all of them in one document, with booktabs loaded.

pdflatex comes from the Debian packages texlive-latex-base and
texlive-latex-recommended (booktabs). On a developer's machine without them
the tests skip; on CI (``CI`` set) they fail: .ci/run installs them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage{booktabs}
\begin{document}
"""


@pytest.fixture
def pdflatex() -> str:
    found = shutil.which("pdflatex")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("pdflatex is not installed on CI: .ci/run installs it "
                    "(apt-get install texlive-latex-base texlive-latex-recommended)")
    pytest.skip("compiling the LaTeX tables needs pdflatex: apt-get install texlive-latex-base "
                "texlive-latex-recommended")


def _compile(pdflatex: str, folder: Path, body: str, name: str) -> subprocess.CompletedProcess:
    tex = folder / f"{name}.tex"
    tex.write_text(PREAMBLE + body + "\n\\end{document}\n", encoding="utf-8")
    # -halt-on-error with nonstopmode: an undefined command or a bad character stops
    # the run with a non-zero exit instead of waiting for input
    return subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=folder,
                          capture_output=True, text=True, timeout=120)


def _errors(log: str) -> str:
    return "\n".join(line for line in log.splitlines() if line.startswith("!") or "Error" in line)[:2000]


@pytest.fixture(scope="module")
def tables(tiny_warehouse) -> list[Path]:
    _, warehouse = tiny_warehouse
    found = sorted((warehouse.parent / "reports" / "tables").glob("*.tex"))
    assert len(found) >= 14, found  # Tables 1-11, Fig. 6, the economic significance and the truth
    return found


def test_each_table_compiles_alone(pdflatex, tables, tmp_path):
    for table in tables:
        # (UTF-8 is LaTeX's input encoding: a character with no glyph, as a raw Greek beta, stops the run)
        run = _compile(pdflatex, tmp_path, table.read_text(encoding="utf-8"), f"only_{table.stem}")
        assert run.returncode == 0, f"{table.name} does not compile:\n{_errors(run.stdout)}"
        log = (tmp_path / f"only_{table.stem}.log").read_text(encoding="latin-1")
        assert "Undefined control sequence" not in log and "Missing $ inserted" not in log, table.name
        assert (tmp_path / f"only_{table.stem}.pdf").stat().st_size > 1000


def test_all_tables_in_one_document_keep_the_papers_numbers(pdflatex, tables, tmp_path):
    """Pasted together, each table keeps its number and caption ("Table 7:
    Instrumental variable estimation results"), not the document's running count."""
    body = "\n\\clearpage\n".join(f"\\input{{{t.as_posix()}}}" for t in tables)
    run = _compile(pdflatex, tmp_path, body, "all_tables")
    assert run.returncode == 0, _errors(run.stdout)
    aux = (tmp_path / "all_tables.aux").read_text(encoding="latin-1")
    numbers = dict(re.findall(r"\\newlabel\{tab:(\w+)\}\{\{(\d+)\}", aux))
    assert numbers.get("table7") == "7" and numbers.get("table4") == "4", numbers
