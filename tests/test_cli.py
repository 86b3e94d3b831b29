"""The tinynet command: help for every subcommand, bad arguments, exit codes, running a quick example."""

import os
import subprocess
import sys
from pathlib import Path

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
    assert "Traceback" not in out


def test_ctrl_c_exits_130(monkeypatch, tmp_path, capsys):
    module = load_example("xor")

    def interrupted_run(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "run", interrupted_run)
    assert cli.main(["xor", "--out", str(tmp_path)]) == 130
    assert "Ctrl-C" in capsys.readouterr().err


def test_an_example_stopped_by_ctrl_c_lists_its_files_and_exits_130(monkeypatch, tmp_path, capsys):
    from tinynet.examples.report import ExampleResult, Figure

    module = load_example("xor")
    monkeypatch.setattr(module, "run", lambda out, **kw: ExampleResult(
        "xor", [Figure(out / "made.png", "made", "so far")], interrupted=True))
    assert cli.main(["xor", "--out", str(tmp_path)]) == 130
    captured = capsys.readouterr()
    assert "made.png" in captured.out and "Ctrl-C" in captured.err


def _one_line_error(capsys, *words):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-0.1", "fast", ""])
@pytest.mark.parametrize("name", ["xor", "mnist-templates", "mnist-hidden", "cnn-activations", "autoencoder"])
def test_a_bad_learning_rate_is_one_line_and_exit_2(name, value, monkeypatch, tmp_path, capsys):
    module = load_example(name)
    monkeypatch.setattr(module, "run", lambda *a, **k: pytest.fail("training started"))
    assert cli.main([name, f"--lr={value}", "--out", str(tmp_path / "out")]) == 2
    _one_line_error(capsys, "--lr", "positive")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv", [["bp", "--iterations", "0"], ["bp", "--train-size", "-5"],
                                  ["cnn-activations", "--batch-size", "0"], ["cnn-activations", "--max-frames", "x"],
                                  ["autoencoder", "--gif-frames", "-1"], ["xor", "--restarts", "-1"],
                                  ["mnist-hidden", "--weight-decay", "nan"], ["tour", "--epochs", "0"]])
def test_other_bad_numbers_are_one_line_and_exit_2(argv, capsys):
    assert cli.main(argv) == 2
    _one_line_error(capsys, argv[1])


def test_out_that_is_a_file_is_refused_before_training(monkeypatch, tmp_path, capsys):
    module = load_example("xor")
    monkeypatch.setattr(module, "run", lambda *a, **k: pytest.fail("training started"))
    a_file = tmp_path / "taken"
    a_file.write_text("not a folder")
    assert cli.main(["xor", "--out", str(a_file)]) == 2
    _one_line_error(capsys, "--out", "is a file")
    assert cli.main(["xor", "--out", str(a_file / "below")]) == 2
    _one_line_error(capsys, "--out", "cannot write")
    assert a_file.read_text() == "not a folder"


def test_out_that_cannot_be_written_is_refused_before_training(monkeypatch, tmp_path, capsys):
    from tinynet.examples import tour as module
    monkeypatch.setattr(module, "run", lambda *a, **k: pytest.fail("the tour started"))
    if os.geteuid() == 0:  # root may write anywhere a permission allows: use a folder no one can create
        target = Path("/proc/tinynet-tour-test")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "out"
    assert cli.main(["tour", "--out", str(target)]) == 2
    _one_line_error(capsys, "--out", "cannot write")


def test_bad_lr_from_the_command_line_prints_no_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tinynet", "xor", "--lr", "nan", "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--lr" in done.stderr and "Traceback" not in done.stderr


def test_python_dash_m_exit_status(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "tinynet", "xor", "--epochs", "x"],
                               capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert completed.returncode == 2 and "--epochs" in completed.stderr


def test_unknown_example_name():
    with pytest.raises(ValueError, match="unknown example"):
        load_example("nope")
