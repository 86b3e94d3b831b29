"""Just enough Markdown to turn tinynet's docs pages into HTML pages a browser opens from disk.

The tour links each lesson to the docs page with its math; those pages are Markdown, so the tour
writes HTML copies beside its own page.  This covers what the docs use: headings (with the same
anchors GitHub gives them), paragraphs, fenced and indented code, tables, lists, images, links,
`code`, **bold** and *italic*.  HTML comments are dropped and any other HTML is shown as text.

``link(url)`` decides where each link and image goes: a new URL, or None to show the link's text
alone (e.g. a source file that is not beside the page).
"""

import html
import re

_INLINE = re.compile(r"(`+)(.+?)\1|!\[([^\]]*)\]\(([^)\s]+)\)|\[([^\]]+)\]\(([^)\s]+)\)"
                     r"|\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LIST_ITEM = re.compile(r"^(\s*)([*+-]|\d+[.)])\s+(.*)$")


def slug(text):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_\[\]()]", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def inline(text, link=lambda url: url):
    """Markdown inline markup of one line or paragraph -> HTML (everything else escaped)."""
    out, last = [], 0
    for match in _INLINE.finditer(text):
        out.append(html.escape(text[last:match.start()]))
        code, image_alt, image_src, link_text, link_url, bold, italic, italic2 = match.group(2, 3, 4, 5, 6, 7, 8, 9)
        if code is not None:
            out.append(f"<code>{html.escape(code.strip())}</code>")
        elif image_src is not None:
            target = link(image_src)
            out.append(f'<img src="{html.escape(target)}" alt="{html.escape(image_alt)}">' if target
                       else f"<em>[figure: {html.escape(image_alt)}]</em>")
        elif link_url is not None:
            target, label = link(link_url), inline(link_text, link)
            out.append(f'<a href="{html.escape(target)}">{label}</a>' if target else label)
        elif bold is not None:
            out.append(f"<strong>{inline(bold, link)}</strong>")
        else:
            out.append(f"<em>{inline(italic if italic is not None else italic2, link)}</em>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _cells(line):
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") else line
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)]


def _table(lines, link):
    head, body = _cells(lines[0]), [_cells(line) for line in lines[2:]]
    rows = ["<tr>" + "".join(f"<th>{inline(c, link)}</th>" for c in head) + "</tr>"]
    rows += ["<tr>" + "".join(f"<td>{inline(c, link)}</td>" for c in row) + "</tr>" for row in body]
    return '<table class="data">' + "".join(rows) + "</table>"


def _list(lines, link):
    """A (possibly nested) list from its lines; continuation lines join the item before them."""
    ordered = _LIST_ITEM.match(lines[0]).group(2)[0].isdigit()
    base = len(_LIST_ITEM.match(lines[0]).group(1))
    items, nested = [], []

    def flush_nested():
        if nested and items:
            items[-1][1].append(_list(nested, link))
        nested.clear()

    for line in lines:
        match = _LIST_ITEM.match(line)
        if match and len(match.group(1)) <= base:
            flush_nested()
            items.append([[match.group(3)], []])
        elif match or nested:
            nested.append(line)
        elif items:
            items[-1][0].append(line.strip())
    flush_nested()
    tag = "ol" if ordered else "ul"
    body = "".join(f"<li>{inline(' '.join(text), link)}{''.join(sub)}</li>" for text, sub in items)
    return f"<{tag}>{body}</{tag}>"


def to_html(text, link=lambda url: url):
    """A Markdown document -> HTML (the body only)."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.lstrip().startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].lstrip().startswith("```")), len(lines))
            out.append(f"<pre><code>{html.escape(chr(10).join(lines[i + 1:end]))}</code></pre>")
            i = end + 1
        elif line.startswith("    ") or line.startswith("\t"):
            block = []
            while i < len(lines) and (lines[i].startswith("    ") or lines[i].startswith("\t") or not lines[i].strip()):
                block.append(lines[i][4:] if lines[i].startswith("    ") else lines[i].lstrip("\t"))
                i += 1
            out.append(f"<pre><code>{html.escape(chr(10).join(block).rstrip())}</code></pre>")
        elif re.match(r"^#{1,6} ", line):
            level = len(line) - len(line.lstrip("#"))
            title = line[level:].strip().rstrip("#").strip()
            out.append(f'<h{level} id="{slug(title)}">{inline(title, link)}</h{level}>')
            i += 1
        elif re.match(r"^\s*([-*_])(\s*\1){2,}\s*$", line):
            out.append("<hr>")
            i += 1
        elif line.lstrip().startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            end = i + 2
            while end < len(lines) and lines[end].strip().startswith("|"):
                end += 1
            out.append(_table(lines[i:end], link))
            i = end
        elif _LIST_ITEM.match(line):
            end = i + 1
            while end < len(lines) and lines[end].strip() and not lines[end].lstrip().startswith("```"):
                end += 1
            out.append(_list(lines[i:end], link))
            i = end
        elif line.startswith(">"):
            end = i
            while end < len(lines) and lines[end].startswith(">"):
                end += 1
            out.append(f"<blockquote>{to_html(chr(10).join(l[1:] for l in lines[i:end]), link)}</blockquote>")
            i = end
        else:
            end = i
            while (end < len(lines) and lines[end].strip() and not lines[end].startswith("    ")
                   and not re.match(r"^#{1,6} |^\s*```", lines[end]) and not _LIST_ITEM.match(lines[end])):
                end += 1
            end = max(end, i + 1)
            out.append(f"<p>{inline(' '.join(l.strip() for l in lines[i:end]), link)}</p>")
            i = end
    return "\n".join(out)
