"""The docs pages beside the tour page: Markdown turned into HTML, links rewritten to work offline."""

from html.parser import HTMLParser

from tinynet.examples.tour.docs import docs_title, docs_url, write_docs
from tinynet.examples.tour.markdown import inline, slug, to_html


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html):
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_slugs_are_githubs():
    assert slug("3. A 2-2-2 network, every number") == "3-a-2-2-2-network-every-number"
    assert slug("XOR: why a hidden layer") == "xor-why-a-hidden-layer"
    assert slug("What `jump` means") == "what-jump-means"


def test_inline_markup_and_escaping():
    assert inline("a `x < y` and **bold** and *it* and [link](p.md)") == (
        'a <code>x &lt; y</code> and <strong>bold</strong> and <em>it</em> and <a href="p.md">link</a>')
    assert inline("x * y * z and a_b_c") == "x * y * z and a_b_c"  # no emphasis inside math or names
    assert inline("<script>") == "&lt;script&gt;"
    assert inline("[source](../x.py)", lambda url: None) == "source"  # a link that cannot go anywhere: text


def test_blocks():
    text = """# Title

A paragraph
on two lines.

    indented code <b>

```python
fenced = 1
```

| a | b |
|---|---|
| 1 | `2` |

* one
* two
  continued
    * nested

1. first
2. second

<!-- a comment -->
"""
    html = to_html(text)
    assert '<h1 id="title">Title</h1>' in html
    assert "<p>A paragraph on two lines.</p>" in html
    assert "<pre><code>indented code &lt;b&gt;</code></pre>" in html
    assert "<pre><code>fenced = 1</code></pre>" in html
    assert '<table class="data"><tr><th>a</th><th>b</th></tr><tr><td>1</td><td><code>2</code></td></tr></table>' in html
    assert "<li>two continued<ul><li>nested</li></ul></li>" in html
    assert "<ol><li>first</li><li>second</li></ol>" in html
    assert "comment" not in html
    assert [t for t, _ in tags(html)].count("pre") == 2


def test_write_docs_rewrites_links_and_copies_pictures(tmp_path):
    source = tmp_path / "docs"
    (source / "figures").mkdir(parents=True)
    (source / "README.md").write_text("# Index\n\nSee [the math](math.md#the-rule) and [code](../src/x.py).\n")
    (source / "math.md").write_text("# Math\n\n## The rule\n\n![a picture](figures/p.png)\n"
                                    "[outside](https://example.org) [missing](nope.md)\n")
    (source / "figures" / "p.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    out = tmp_path / "out"
    written = write_docs(out, source)
    assert set(written) == {"README.md", "math.md"}
    index = (out / "docs" / "README.html").read_text()
    assert 'href="math.html#the-rule"' in index and "../src/x.py" not in index and ">code<" not in index
    math = (out / "docs" / "math.html").read_text()
    assert 'src="figures/p.png"' in math and (out / "docs" / "figures" / "p.png").is_file()
    assert 'href="https://example.org"' in math and "nope" not in math.split("</h2>")[1].split("missing")[0]
    assert 'href="../index.html"' in math  # back to the tour
    assert docs_url("math.md#the-rule", written) == "docs/math.html#the-rule"
    assert docs_url("other.md", written) == ""
    assert docs_title("math.md#the-rule", source) == "Math \u2014 The rule"
    assert docs_title("math.md", source) == "Math"
