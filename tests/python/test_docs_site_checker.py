"""The link half of `make docs-check` (tests/docs/check_site.py) on a small site made here: it must find a
missing file, a missing anchor and a link out of the site, and pass good links, ids and `<a name>` targets."""
import importlib.util
import pathlib

import pytest

CHECKER = pathlib.Path(__file__).resolve().parents[1] / "docs" / "check_site.py"


@pytest.fixture(scope="module")
def check_site():
    if not CHECKER.exists():
        pytest.skip("the site checker is not beside the tests")
    spec = importlib.util.spec_from_file_location("check_site", CHECKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_broken_links_and_anchors_are_found_and_good_ones_pass(check_site, tmp_path):
    (tmp_path / "img.png").write_bytes(b"png")
    (tmp_path / "index.html").write_text(
        '<main><h1 id="top">Home</h1><a name="old"></a>'
        '<a href="guide.html#rules">ok</a><a href="#top">ok</a><a href="#old">ok</a><img src="img.png">'
        '<a href="https://example.org/missing.html">external</a>'
        '<a href="guide.html#nowhere">bad anchor</a><a href="gone.html">bad file</a>'
        '<a href="../outside.html">outside</a></main>')
    (tmp_path / "guide.html").write_text('<main><h1>Guide</h1><section id="rules">rules</section>'
                                         '<a href="index.html#missing">bad</a></main>')
    pages = sorted(tmp_path.glob("*.html"))
    problems, checked = check_site.broken_links(tmp_path.resolve(), pages)
    found = {(page.name, reference) for page, reference, _ in problems}
    assert found == {("index.html", "guide.html#nowhere"), ("index.html", "gone.html"),
                     ("index.html", "../outside.html"), ("guide.html", "index.html#missing")}
    assert checked == 8  # every local reference; the external one is not checked


def test_main_content_text_and_headings_are_measured(check_site):
    page = check_site.parse('<nav><h1>Site</h1>lots of navigation text</nav>'
                            '<article role="main"><h1>Title</h1><p>Some <b>words</b> here</p></article>'
                            '<footer>footer text</footer>')
    assert page.main_headings == 1
    assert page.main_characters == len("TitleSomewordshere")
    empty = check_site.parse('<nav><h1>Site</h1></nav><article role="main">  </article>')
    assert empty.main_headings == 0 and empty.main_characters == 0
