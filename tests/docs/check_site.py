"""`make docs-check`: the built documentation site as a reader's browser sees it.

Fails when a link or image of any built page points at a local file that does not exist or at an anchor
that the target page does not have, or when a page renders empty in headless Chromium (its main content,
read from the DOM after the page's scripts ran, has no heading or almost no text). Takes screenshots of the
index, the API reference, two guides and the benchmarks. Every Chromium run has a timeout, so the check
cannot hang CI.

usage: check_site.py HTML_DIR SCREENSHOT_DIR
"""
import concurrent.futures
import html.parser
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse

SKIPPED_DIRS = {"_static", "_sources", "_images"}
SCREENSHOTS = {"index": "index.html", "api": "api.html", "guide-semantics": "semantics.html",
               "guide-which-call": "which-call.html", "benchmarks": "benchmarks.html"}
SEARCH_PAGE = pathlib.Path("search.html")
SEARCH_QUERY, SEARCH_HIT = "sliding_windows", "api.html#ndbridge.sliding_windows"
MIN_MAIN_TEXT = 100  # characters of text, whitespace excluded, in a page's main content
CHROMIUM_TIMEOUT = 60  # seconds for one page
WINDOW = "1280,1600"


class PageParser(html.parser.HTMLParser):
    """Collects a page's anchors (id and name attributes), its local references, and the text of its main
    content (the element with role="main", or <main>) and whether that content has a heading."""

    LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("iframe", "src"),
                       ("source", "src")}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.main_text, self.main_headings = set(), [], [], 0
        self._main_depth = None  # the depth of the open main element, while inside it
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        for attribute in ("href", "src"):
            if (tag, attribute) in self.LINK_ATTRIBUTES and attrs.get(attribute) is not None:
                self.links.append(attrs[attribute])
        if tag in self.VOID:
            return
        self._depth += 1
        if self._main_depth is None and (tag == "main" or attrs.get("role") == "main"):
            self._main_depth = self._depth
        elif self._main_depth is not None and tag in ("h1", "h2"):
            self.main_headings += 1

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if self._main_depth == self._depth:
            self._main_depth = -1  # closed: the first main element only
        self._depth -= 1

    def handle_data(self, data):
        if self._main_depth is not None and self._main_depth > 0:
            self.main_text.append(data)

    @property
    def main_characters(self):
        return len("".join("".join(self.main_text).split()))


def parse(text):
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser


def broken_links(root, pages):
    """(page, reference, reason) for each local reference that does not resolve."""
    parsed = {page: parse(page.read_text(encoding="utf-8")) for page in pages}
    anchors = {page: p.ids for page, p in parsed.items()}
    problems, checked = [], 0
    for page, p in parsed.items():
        for reference in p.links:
            parts = urllib.parse.urlsplit(reference)
            if parts.scheme or reference.startswith("//"):
                continue  # external: not this site's to check
            checked += 1
            target = page if not parts.path else (page.parent / urllib.parse.unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if root not in target.parents and target != root:
                problems.append((page, reference, "points outside the site"))
            elif not target.is_file():
                problems.append((page, reference, f"no file {target.relative_to(root)}"))
            elif parts.fragment and target.suffix == ".html":
                ids = anchors.get(target)
                if ids is None:
                    ids = parse(target.read_text(encoding="utf-8")).ids
                if urllib.parse.unquote(parts.fragment) not in ids:
                    problems.append((page, reference, f"no id {parts.fragment!r} in {target.relative_to(root)}"))
    return problems, checked


def chromium(*arguments):
    """Runs headless Chromium once, in its own profile and process group, killed after the timeout."""
    with tempfile.TemporaryDirectory(prefix="ndb-docs-chromium-") as profile:
        command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--hide-scrollbars", "--no-first-run", "--mute-audio", f"--user-data-dir={profile}",
                   f"--window-size={WINDOW}", "--virtual-time-budget=5000", *arguments]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        try:
            out, err = process.communicate(timeout=CHROMIUM_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise RuntimeError(f"chromium did not finish within {CHROMIUM_TIMEOUT} s: {' '.join(arguments)}")
        if process.returncode != 0:
            raise RuntimeError(f"chromium exited with {process.returncode}: {' '.join(arguments)}\n{err[-2000:]}")
        return out


def rendered_problem(root, page):
    """Why the page renders empty in Chromium, or None. The search page is empty until it is asked something:
    it is asked for a function, and must find the function's entry on the API page."""
    name = page.relative_to(root)
    if name == SEARCH_PAGE:
        dom_text = chromium("--dump-dom", page.as_uri() + "?q=" + SEARCH_QUERY)
        if f'href="{SEARCH_HIT}"' not in dom_text:
            return f"{name}: searching for {SEARCH_QUERY!r} does not find {SEARCH_HIT}"
        return None
    dom = parse(chromium("--dump-dom", page.as_uri()))
    if dom.main_headings == 0:
        return f"{name}: the rendered page has no heading in its main content"
    if dom.main_characters < MIN_MAIN_TEXT:
        return f"{name}: the rendered main content holds {dom.main_characters} characters of text"
    return None


def screenshot(root, out_dir, name, page):
    path = out_dir / f"{name}.png"
    path.unlink(missing_ok=True)
    chromium(f"--screenshot={path}", (root / page).as_uri())
    with open(path, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n" or path.stat().st_size < 10_000:
            raise RuntimeError(f"{path}: not a screenshot of a page ({path.stat().st_size} bytes)")
    return path


def main(html_dir, screenshot_dir):
    root = pathlib.Path(html_dir).resolve()
    out_dir = pathlib.Path(screenshot_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = sorted(p for p in root.rglob("*.html") if not SKIPPED_DIRS & set(p.relative_to(root).parts))
    if not (root / "index.html").is_file() or len(pages) < 2:
        sys.exit(f"check_site: no built site in {root} (run `make docs`)")

    failures = []
    problems, checked = broken_links(root, pages)
    failures += [f"{page.relative_to(root)}: broken link {reference!r}: {reason}"
                 for page, reference, reason in problems]

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        rendered = list(pool.map(lambda page: rendered_problem(root, page), pages))
        shots = list(pool.map(lambda item: screenshot(root, out_dir, *item), SCREENSHOTS.items()))
    failures += [problem for problem in rendered if problem]

    print(f"check_site: {len(pages)} pages, {checked} local links and images checked, "
          f"{len(pages)} pages rendered in Chromium, screenshots: {', '.join(str(s) for s in shots)}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(f"check_site: {len(failures)} problems")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
