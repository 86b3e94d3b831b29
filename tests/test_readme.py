"""README.md stays true: its training example runs and reaches what it says, its images exist,
and the commands it names are the ones the `tinynet` command has."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"

pytestmark = pytest.mark.skipif(not README.exists(), reason="README.md is not beside the tests (installed tests?)")


def readme_text():
    return README.read_text(encoding="utf-8")


def test_training_example_runs_and_reaches_the_stated_accuracy(tmp_path):
    section = readme_text().split("## Training in 15 lines", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    # Outside the source tree, so the installed package (with its compiled kernels) runs it.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", done.stdout).group(1))
    assert accuracy >= 94.0  # the README says "about 96 %"


def test_images_it_embeds_exist():
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme_text())
    assert links
    for link in links:
        assert (README.parent / link).is_file(), link


def test_the_examples_it_names_are_registered():
    from tinynet.examples import EXAMPLES

    named = re.search(r"`tinynet (xor[^`]*)`", readme_text()).group(1)
    names = {word for word in re.findall(r"[a-z][a-z-]+", named.split("[")[0])}
    assert names == set(EXAMPLES)
