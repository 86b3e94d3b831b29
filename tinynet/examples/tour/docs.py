"""The docs pages beside the tour page: HTML copies of tinynet's docs/*.md, so the math is one click
away even offline.

The Markdown comes from the docs/ folder of a source checkout (an editable install, or running
from the source tree) or from the copy a built package carries (``tinynet/_docs``, put there by
setup.py).  Links between docs pages point to their HTML copies; pictures are copied along;
links into the source tree (which is not beside the page) are shown as plain text.
"""

import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tinynet.examples.tour.assets import CSS
from tinynet.examples.tour.blocks import esc
from tinynet.examples.tour.markdown import slug, to_html

DOCS_FOLDER = "docs"  # under the tour's output folder


def find_docs():
    """The folder holding tinynet's docs/*.md, or None if this installation has none."""
    import tinynet

    package = Path(tinynet.__file__).resolve().parent
    if (package / "_docs" / "README.md").is_file():  # a built package
        return package / "_docs"
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "docs" / "README.md").is_file():  # a source tree
        return checkout / "docs"
    return None


def _rewrite(url, source, target, copied):
    """Where a link or picture of a docs page points in the HTML copy (None: show as text)."""
    parts = urlsplit(url)
    if parts.scheme or url.startswith("#"):
        return url
    path = unquote(parts.path)
    if path.endswith(".md"):
        if "/" in path or not (source / path).is_file():
            return None
        return path[:-3] + ".html" + (f"#{parts.fragment}" if parts.fragment else "")
    file = (source / path).resolve()
    if not file.is_file() or source.resolve() not in file.parents:
        return None
    destination = target / file.relative_to(source.resolve())
    if destination not in copied:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, destination)
        copied.add(destination)
    return url


def write_docs(out_dir, source=None):
    """Write ``out_dir/docs/<page>.html`` for every docs page; returns {page.md: Path}, empty if none."""
    source = find_docs() if source is None else Path(source)
    if source is None:
        return {}
    target = Path(out_dir) / DOCS_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    written, copied = {}, set()
    for page in sorted(source.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        body = to_html(text, lambda url: _rewrite(url, source, target, copied))
        title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("# ")), page.stem)
        html_page = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
                     f'<style>{CSS}</style>\n</head>\n<body>\n<p class="note"><a href="../index.html">&larr; back to '
                     f'the tour</a> &middot; <a href="README.html">all docs pages</a></p>\n{body}\n</body>\n</html>\n')
        path = target / (page.stem + ".html")
        path.write_text(html_page, encoding="utf-8")
        written[page.name] = path
    return written


def docs_url(docs, written):
    """The page-relative URL of a docs reference like "lessons.md#xor", or "" if that page was not written."""
    page, _, anchor = docs.partition("#")
    if page not in written:
        return ""
    return f"{DOCS_FOLDER}/{written[page].name}" + (f"#{anchor}" if anchor else "")


def docs_title(docs, source=None):
    """What a docs reference points at, in words: "Page title: section heading" (or the reference itself)."""
    source = find_docs() if source is None else Path(source)
    page, _, anchor = docs.partition("#")
    if source is None or not (source / page).is_file():
        return docs
    headings = [line.lstrip("#").strip() for line in (source / page).read_text(encoding="utf-8").splitlines()
                if line.startswith("#")]
    title = headings[0] if headings else page
    section = next((h for h in headings if slug(h) == anchor), "") if anchor else ""
    return f"{title} \u2014 {section}" if section else title
