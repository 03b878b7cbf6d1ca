"""Runs every ```python example of the documentation (docs/*.md and README.md), so that none goes stale.

The blocks of one page run in order in one namespace, as a reader pastes them. A block that cannot run here
(it needs a GPU, or files the reader has) is marked by a `<!-- not-run: reason -->` line right before its
fence; the markers are counted and pinned below. C++ blocks are compiled elsewhere (docs/cpp.md says where);
shell and CMake blocks are not run. `python tests/python/test_docs_examples.py` lists every block.
"""
import linecache
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(?P<reason>.*?)\s*-->$")
FENCE = re.compile(r"^(?P<fence>```+)(?P<info>.*)$")
# The blocks that are documented but not run, by page; a new marker must be added here on purpose.
EXPECTED_NOT_RUN = {"interop.md": 1}


def python_blocks(page):
    """(first line number, source, not-run reason or None) of each ```python block of a Markdown page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        close = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == opening["fence"]), None)
        assert close is not None, f"{page.name}:{i + 1}: a code fence that is never closed"
        if opening["info"].strip() == "python":
            before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            marker = NOT_RUN.match(before)
            if marker:
                assert marker["reason"], f"{page.name}:{i}: a not-run marker must give its reason"
            blocks.append((i + 2, "\n".join(lines[i + 1:close]) + "\n", marker["reason"] if marker else None))
        i = close + 1
    return blocks


def _pages_with_examples():
    if not (ROOT / "docs" / "semantics.md").exists():
        return []  # the tests run without the source tree (the installed wheel's check): no pages to read
    return [page for page in PAGES if python_blocks(page)]


@pytest.mark.parametrize("page", _pages_with_examples(), ids=lambda page: page.name)
def test_every_python_example_of_the_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    namespace = {"__name__": f"docs_example_{page.stem}"}
    for first_line, source, not_run in python_blocks(page):
        if not_run is None:
            name = f"{page.name}:{first_line}"
            linecache.cache[name] = (len(source), None, source.splitlines(True), name)  # tracebacks show the line
            exec(compile(source, name, "exec"), namespace)


def test_not_run_examples_are_marked_with_a_reason_and_counted():
    if not (ROOT / "docs" / "semantics.md").exists():
        pytest.skip("the documentation pages are not beside the tests")
    not_run = {page.name: sum(1 for *_, reason in python_blocks(page) if reason is not None) for page in PAGES}
    assert {name: n for name, n in not_run.items() if n} == EXPECTED_NOT_RUN
    # Markers must sit on a python block: one before anything else would silently mark nothing.
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines):
            if NOT_RUN.match(line.strip()):
                following = next((lines[j] for j in range(n + 1, len(lines)) if lines[j].strip()), "")
                assert following.strip() == "```python", f"{page.name}:{n + 1}: a not-run marker before {following!r}"


if __name__ == "__main__":
    run = skipped = 0
    for page in PAGES:
        for first_line, _, reason in python_blocks(page):
            print(f"{page.relative_to(ROOT)}:{first_line}: {'not run: ' + reason if reason else 'run'}")
            run, skipped = run + (reason is None), skipped + (reason is not None)
    print(f"{run} blocks run, {skipped} not run")
    sys.exit(0)
