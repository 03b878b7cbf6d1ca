"""Every public name has a place on the API reference page (docs/api.rst), so that a name added to
`__all__` without documentation fails here, before `make docs` (which checks the built page) runs."""
import importlib
import pathlib
import re

import pytest

API_PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "api.rst"
# `.. autofunction:: name`, `.. autoclass:: name`, `.. data:: name` and the further names of a `.. data::`
# directive, which are indented continuation lines of its signature.
DIRECTIVE = re.compile(r"^\.\. (?:auto)?(?:function|class|exception|data)::\s+"
                       r"(?P<name>[\w.]+)\s*$")
CONTINUATION = re.compile(r"^ {10}(?P<name>\w+)\s*$")


def documented_names():
    names, in_data = set(), False
    for line in API_PAGE.read_text(encoding="utf-8").splitlines():
        directive = DIRECTIVE.match(line)
        if directive:
            names.add(directive["name"] if "." in directive["name"] else f"ndbridge.{directive['name']}")
            in_data = line.startswith(".. data::")
        elif in_data and CONTINUATION.match(line):
            names.add(f"ndbridge.{CONTINUATION.match(line)['name']}")
        else:
            in_data = False
    return names


@pytest.mark.parametrize("module_name", ["ndbridge", "ndbridge.dask"])
def test_every_public_name_is_on_the_api_page(module_name):
    if not API_PAGE.exists():
        pytest.skip("the documentation pages are not beside the tests")
    module = importlib.import_module(module_name)
    documented = documented_names()
    missing = sorted(f"{module_name}.{name}" for name in module.__all__ if f"{module_name}.{name}" not in documented)
    assert missing == [], f"public names missing from docs/api.rst: {missing}"


def test_the_api_page_documents_nothing_that_is_not_public():
    if not API_PAGE.exists():
        pytest.skip("the documentation pages are not beside the tests")
    public = {f"{m}.{name}" for m in ("ndbridge", "ndbridge.dask") for name in importlib.import_module(m).__all__}
    assert documented_names() - public == set()
