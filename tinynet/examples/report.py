"""What an example hands back: the figures it made and what each one teaches.

``tinynet tour`` collects these from every example into one HTML page.
"""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Figure:
    """One file an example wrote, with a title and a caption for the tour page."""

    path: Path
    title: str
    caption: str


@dataclass
class ExampleResult:
    """The figures an example made and the numbers it measured (e.g. accuracy)."""

    name: str
    figures: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    summary: str = ""
