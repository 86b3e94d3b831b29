"""The tinynet command: help for every subcommand, bad arguments, exit codes, running a quick example."""

import subprocess
import sys

import pytest

from tinynet import cli
from tinynet.examples import EXAMPLES, load_example

COMMANDS = list(EXAMPLES) + ["tour"]


def test_top_level_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("name", COMMANDS)
def test_subcommand_help_shows_summary_and_common_options(name, capsys):
    assert cli.main([name, "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--out", "--epochs", "--threads", "--seed"):
        assert option in out
    if name in EXAMPLES:
        summary = load_example(name).SUMMARY
        assert summary.split()[0] in out


@pytest.mark.parametrize(
    "argv",
    [[], ["no-such-example"], ["xor", "--epochs", "0"], ["xor", "--epochs", "many"], ["xor", "--threads", "-2"],
     ["xor", "--seed", "-1"], ["xor", "--bogus"]],
)
def test_bad_arguments_exit_2(argv, capsys):
    assert cli.main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_runs_an_example_and_lists_its_figures(tmp_path, capsys):
    assert cli.main(["xor", "--quick", "--out", str(tmp_path / "xor"), "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "boundaries.png" in out and (tmp_path / "xor" / "boundaries.png").is_file()


def test_ctrl_c_exits_130(monkeypatch, tmp_path, capsys):
    module = load_example("xor")

    def interrupted_run(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "run", interrupted_run)
    assert cli.main(["xor", "--out", str(tmp_path)]) == 130
    assert "Ctrl-C" in capsys.readouterr().err


def test_python_dash_m_exit_status(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "tinynet", "xor", "--epochs", "x"],
                               capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert completed.returncode == 2 and "--epochs" in completed.stderr


def test_unknown_example_name():
    with pytest.raises(ValueError, match="unknown example"):
        load_example("nope")
