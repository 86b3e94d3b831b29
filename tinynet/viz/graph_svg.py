"""The computation graph as SVG text, one element per box, for a web page to highlight.

Same layout as ``draw_graph`` (the result on the right, each box one column left of the furthest
box it feeds; arrows follow the forward pass), but written as SVG markup: box i is the group
``<g id="{prefix}-box-{i}">``, so the tour page can light up the op that backward is at.
"""

import html

from tinynet.viz.graph import COLORS, assign_rows, build_graph

BOX_WIDTH, BOX_HEIGHT = 132, 46          # pixels
COLUMN_SPACING, ROW_SPACING = 168, 62
MARGIN = 12


def _esc(text):
    return html.escape(str(text), quote=True)


def graph_svg(tensor, names=None, gradients=None, prefix="graph", show_constants=True, max_nodes=60):
    """(svg text, boxes, edges) for the graph behind ``tensor``; see ``draw_graph`` for the arguments.

    ``boxes`` are ``tinynet.viz.graph.GraphBox`` objects (``box.node`` is the autograd node of
    an op's box), ``edges`` (from box, to box) index them.
    """
    boxes, edges = build_graph(tensor, names, gradients, show_constants, max_nodes)
    columns = assign_rows(boxes)
    deepest = max(columns)
    tallest = max(len(column) for column in columns.values())
    width = deepest * COLUMN_SPACING + BOX_WIDTH + 2 * MARGIN
    height = (tallest - 1) * ROW_SPACING + BOX_HEIGHT + 2 * MARGIN

    def centre(box):
        x = MARGIN + BOX_WIDTH / 2 + (deepest - box.depth) * COLUMN_SPACING
        y = MARGIN + BOX_HEIGHT / 2 + ((tallest - 1) / 2 - box.row) * ROW_SPACING
        return x, y

    parts = [f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="computation graph">',
             f'<defs><marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for source, target in edges:
        (x0, y0), (x1, y1) = centre(boxes[source]), centre(boxes[target])
        x0, x1 = x0 + BOX_WIDTH / 2, x1 - BOX_WIDTH / 2
        bend = (x1 - x0) / 2
        parts.append(f'<path d="M{x0:.1f},{y0:.1f} C{x0 + bend:.1f},{y0:.1f} {x1 - bend:.1f},{y1:.1f} '
                     f'{x1:.1f},{y1:.1f}" fill="none" stroke="#777" stroke-width="1.2" '
                     f'marker-end="url(#{prefix}-arrow)"/>')
    for box in boxes:
        x, y = centre(box)
        dashed = ' stroke-dasharray="4 3"' if box.kind == "constant" else ""
        border = 2.5 if box.index == 0 else 1.2
        first, *rest = box.label_lines()
        parts.append(f'<g class="box {box.kind}" id="{prefix}-box-{box.index}">'
                     f'<rect x="{x - BOX_WIDTH / 2:.1f}" y="{y - BOX_HEIGHT / 2:.1f}" width="{BOX_WIDTH}" '
                     f'height="{BOX_HEIGHT}" rx="8" fill="{COLORS[box.kind]}" stroke="#333" '
                     f'stroke-width="{border}"{dashed}/>'
                     f'<text x="{x:.1f}" y="{y - (6 if rest else -4):.1f}" text-anchor="middle" '
                     f'font-size="13" font-weight="bold">{_esc(first)}</text>')
        if rest:
            parts.append(f'<text x="{x:.1f}" y="{y + 12:.1f}" text-anchor="middle" font-size="11">'
                         f'{_esc(" ".join(rest))}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts), boxes, edges
