"""Sphinx configuration of ndbridge's documentation site (`make docs` builds it into build/docs/html).

The guides are the Markdown pages of this folder, read by MyST; the API reference is generated from the
installed package's docstrings. Names of `ndbridge.__all__` that the API page does not document, or that
have no docstring, are warnings, and `make docs` turns every warning into an error.
"""
import importlib
import inspect
import pathlib
import re

from sphinx.util import logging

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _version():
    """The installed package's version, else the one place the project writes it: CMakeLists.txt's project line."""
    try:
        return str(importlib.import_module("ndbridge").__version__)
    except (ImportError, AttributeError):
        line = re.search(r"project\(ndbridge VERSION ([\w.]+)", (ROOT / "CMakeLists.txt").read_text())
        assert line is not None, "CMakeLists.txt has no `project(ndbridge VERSION ...)` line"
        return line[1]


project = "ndbridge"
author = "the ndbridge authors"
copyright = "the ndbridge authors"
release = _version()
version = ".".join(release.split(".")[:2])

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.autosummary"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
nitpicky = True

# GitHub's heading slugs, so that the pages' links (`decisions.md#frames-pandas-issue-12`) resolve here too.
myst_heading_anchors = 3
myst_enable_extensions = ["deflist"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the signatures come from the extension's text signatures, without types
autosummary_generate = False
add_module_names = False

html_theme = "furo"
html_title = f"ndbridge {release}"
html_static_path = []
html_show_sourcelink = False
html_domain_indices = False  # a module index of two modules says nothing the API page's contents do not

# The names the API page must document: every public name of the package, and of ndbridge.dask.
API_PAGE = "api"
API_MODULES = ("ndbridge", "ndbridge.dask")

# A property bound without a docstring has its getter's nanobind signature ("(self) -> tuple") as its only
# text; that is a missing docstring, and a warning like any other.
_NB_SIGNATURE_ONLY = re.compile(r"^\(self\) -> [\w.\[\], |]+$")


def _warn_signature_only_docstrings(app, what, name, obj, options, lines):
    text = [line for line in lines if line.strip()]
    if len(text) == 1 and _NB_SIGNATURE_ONLY.match(text[0].strip()):
        logging.getLogger("ndbridge.api").warning("%s has no docstring, only its signature", name, location=API_PAGE)


def _check_api_coverage(app, env):
    """Warns for every public name that the API page leaves out or that has no docstring, so that a new name
    cannot ship undocumented."""
    log = logging.getLogger("ndbridge.api")
    documented = {name for name, (docname, *_rest) in env.get_domain("py").objects.items() if docname == API_PAGE}
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if f"{module_name}.{name}" not in documented:
                log.warning("%s.%s is in %s.__all__ but not documented on %s", module_name, name, module_name,
                            API_PAGE, location=API_PAGE)
            obj = getattr(module, name)
            if callable(obj) and not inspect.getdoc(obj):  # dtypes and constants are described by the page
                log.warning("%s.%s has no docstring", module_name, name, location=API_PAGE)


def setup(app):
    app.connect("autodoc-process-docstring", _warn_signature_only_docstrings)
    app.connect("env-updated", _check_api_coverage)
