"""The benchmark suite's own logic, asserting no speed: FLOP counts, one model in three frameworks, the
ratio convention in tables, JSON and chart, the refusal to measure the numpy backend, the busy process and
its turns between thread counts."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinynet

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not (ROOT / "benchmarks").is_dir(), reason="the benchmarks are not beside the tests")
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # appended: tinynet itself still comes from wherever it was installed

from benchmarks import bench_busy, bench_conv, bench_gemm, bench_training, models, preflight, report, training_turns, turns  # noqa: E402,E501

TINY = [("Conv2d", 1, 2, 3, {"padding": 1}), ("ReLU",), ("Flatten",), ("Linear", 32, 3)]  # on 1 x 4 x 4 images


def test_flops_of_a_tiny_model_match_a_hand_count():
    # conv: 4*4 outputs x 2 channels x 9 taps = 288 MACs; linear: 32 x 3 = 96 MACs.
    # forward 2*(288+96); weight gradients the same; input gradient for the linear only (the conv reads the data).
    assert models.flops_per_image(TINY, (1, 4, 4)) == {"forward": 768, "backward": 768 + 192, "step": 1728}


def test_flops_of_the_benchmark_models():
    mlp = 784 * 128 + 128 * 10
    assert models.flops_per_image(models.WORKLOADS["mlp"]["layers"])["step"] == 2 * mlp * 3 - 2 * 784 * 128
    # ResNet-10 on 28x28: stem 28x28, stages at 28, 14, 7 and 4 pixels.
    def conv(size, c_in, c_out, k):
        return size * size * c_in * c_out * k * k
    macs = [conv(28, 1, 64, 3), conv(28, 64, 64, 3), conv(28, 64, 64, 3),
            conv(14, 64, 128, 3), conv(14, 128, 128, 3), conv(14, 64, 128, 1),
            conv(7, 128, 256, 3), conv(7, 256, 256, 3), conv(7, 128, 256, 1),
            conv(4, 256, 512, 3), conv(4, 512, 512, 3), conv(4, 256, 512, 1), 512 * 10]
    counted = models.flops_per_image(models.WORKLOADS["resnet10"]["layers"])
    assert counted["forward"] == 2 * sum(macs)
    assert counted["step"] == 6 * sum(macs) - 2 * macs[0]
    assert 1.23e9 < counted["step"] < 1.25e9  # the "about 1.24 GFLOP per image"


@pytest.mark.parametrize("workload", sorted(models.WORKLOADS))
def test_flop_walk_agrees_with_the_built_tinynet_model(workload):
    layers = models.WORKLOADS[workload]["layers"]
    model = models.load_parameters(models.build_model(tinynet.nn, layers), models.initial_parameters(layers))
    seen = []

    def count(module, inputs, output):  # MACs per image = outputs x (weights per output unit)
        weight = module.weight.numpy()
        seen.append(output.numpy()[0].size * (weight.size // weight.shape[0]))

    for module in model.modules():
        if isinstance(module, (tinynet.nn.Conv2d, tinynet.nn.Linear)):
            module.register_forward_hook(count)
    with tinynet.no_grad():
        logits = model(tinynet.tensor(np.zeros((1,) + models.INPUT_SHAPE, np.float32)))
    assert logits.shape == (1, 10)
    assert sorted(seen) == sorted(e["macs"] for e in models.layer_shapes(layers) if e["macs"])


def test_initial_parameters_follow_pytorchs_default_ranges():
    arrays = models.initial_parameters(models.WORKLOADS["resnet10"]["layers"])
    shapes = [a.shape for a in arrays]
    assert shapes[:3] == [(64, 1, 3, 3), (64,), (64,)]  # stem conv (no bias), its BatchNorm weight and bias
    assert np.all(arrays[1] == 1) and np.all(arrays[2] == 0)
    assert np.abs(arrays[0]).max() <= 1 / 3 and np.abs(arrays[0]).max() > 0.2  # +-1/sqrt(9)
    assert all(a.dtype == np.float32 for a in arrays)
    with pytest.raises(ValueError, match="parameter shapes"):
        models.load_parameters(models.build_model(tinynet.nn, TINY), arrays)


# Every layer kind of models.py in two small models (a conv with bias, tanh, max-pool and BatchNorm before
# two BasicBlocks, one of them projecting; and an MLP), so that the three frameworks' versions of each kind
# are checked against each other.
MIXED = [("Conv2d", 1, 4, 3, {"padding": 1}), ("Tanh",), ("MaxPool2d", 2), ("BatchNorm2d", 4), ("ReLU",),
         ("BasicBlock", 4, 4, 1), ("BasicBlock", 4, 8, 2), ("GlobalAvgPool",), ("Linear", 8, 10)]
SMALL_MLP = [("Flatten",), ("Linear", 784, 16), ("ReLU",), ("Linear", 16, 10)]


def train_losses(framework, layers, steps=4, batch=8):
    """Losses of ``steps`` steps of the benchmark's own step builder, all on one fixed random batch."""
    rng = np.random.default_rng(1)
    x = rng.random((batch,) + models.INPUT_SHAPE, dtype=np.float32)
    y = rng.integers(0, 10, batch)
    step = bench_training.STEP_BUILDERS[framework](layers, models.initial_parameters(layers), os.cpu_count())
    return [step(x, y) for _ in range(steps)]


@pytest.mark.parametrize("framework", ["torch", "jax"])
@pytest.mark.parametrize("layers", [MIXED, SMALL_MLP], ids=["mixed", "mlp"])
def test_the_same_model_trains_the_same_in_each_framework(framework, layers, monkeypatch):
    pytest.importorskip(framework)
    monkeypatch.setenv("XLA_FLAGS", "")  # jax_step sets it for its own process; keep this one's as it was
    threads = tinynet.get_num_threads()
    try:
        ours = train_losses("tinynet", layers)
    finally:
        tinynet.set_num_threads(threads)
    theirs = train_losses(framework, layers)
    np.testing.assert_allclose(theirs, ours, rtol=2e-4)
    assert ours[-1] < ours[0]  # the updates (momentum included) really changed the model between steps


def test_tables_state_the_ratio_convention_and_ratios_are_speed_over_speed():
    # tinynet's kernel takes 1 ms, PyTorch's 12 ms: tinynet is 12x as fast, and the ratio says 12.
    row = bench_conv.kernel_row("a conv", "forward", 1, [1.0, 1.0, 1.0], [12.0, 12.0, 12.0])
    assert row["tinynet/PyTorch speed"] == pytest.approx(12.0)
    table = report.markdown([row])
    header = table.splitlines()[0]
    assert "tinynet/PyTorch speed" in header and "ratio |" not in header
    assert report.RATIO_CONVENTION in table and "above 1: tinynet is faster" in report.RATIO_CONVENTION
    assert report.chart_bars({"conv": [row]}) == [("conv: a conv forward, 1 thr vs PyTorch", 12.0)]
    assert report.speed_ratio(100.0, 50.0) == 2.0 and report.time_ratio(2.0, 1.0) == 0.5
    assert report.speed_ratio(None, 5.0) is None


def test_training_row_ratios_and_fraction_of_peak():
    flops = models.flops_per_image(models.WORKLOADS["mlp"]["layers"])["step"]
    summaries = {"tinynet": {"images_per_s": 1000.0, "peak_rss_mib": 10.0, "first_loss": 2.3},
                 "torch": {"images_per_s": 500.0, "peak_rss_mib": 20.0, "first_loss": 2.3},
                 "jax": None}  # a failed JAX run leaves its cells empty, not wrong
    row = bench_training.workload_row("mlp", 2, summaries, ["tinynet", "torch", "jax"], peak_gflops=50.0)
    assert row["tinynet/PyTorch speed"] == 2.0 and row["tinynet/JAX speed"] is None
    assert row["tinynet % of peak"] == pytest.approx(100 * 1000 * flops / (50e9 * 2))
    assert row["JAX img/s"] is None and row["JAX % of peak"] is None
    assert "peak" in bench_training.notes([row])[0]


def test_a_later_epoch_is_timed_after_the_untimed_ones_over_the_same_batches():
    per_epoch = 60_000 // 64
    first, second = bench_training.step_plan("mlp", False), bench_training.step_plan("mlp", False, epoch=2)
    assert second == (first[0] + per_epoch, first[1])  # the same chunks, one whole epoch later
    assert bench_training.step_plan("resnet10", False, epoch=3) == bench_training.step_plan("resnet10", False)
    images, labels = np.arange(10 * 4).reshape(10, 4), np.arange(10)  # an "epoch" of 10 images: 3 batches of 3
    batches = bench_training.epoch_batches(images, labels, 3, 7)
    assert len(batches) == 7 and all(x.shape == (3, 4) for x, _ in batches)
    np.testing.assert_array_equal(batches[3][1], [0, 1, 2])  # the second epoch starts again at image 0
    np.testing.assert_array_equal(batches[5][1], batches[2][1])


def test_the_core_peak_is_the_best_large_one_thread_gemm():
    def gemm_row(size, threads, ours, numpy):
        return {"shape (m x k x n)": f"{size} x {size} x {size}", "threads": threads,
                "tinynet GFLOP/s": ours, "numpy GFLOP/s": numpy}
    rows = [gemm_row(64, 1, 500.0, 1.0), gemm_row(512, 1, 80.0, 90.0), gemm_row(1024, 1, 95.0, 70.0),
            gemm_row(1024, 2, 180.0, 170.0)]
    assert bench_gemm.peak(rows) == 95.0
    assert bench_gemm.peak(rows[:1]) is None
    assert (64, 64, 64) in bench_gemm.shapes(quick=True)


def test_gemm_turns_give_one_ratio_per_pair_on_one_thread(one_thread):
    ratios = bench_gemm.child_turns(48, 40, 32, 6, 0.001)
    assert len(ratios) == 6 and all(0 < r < float("inf") for r in ratios)
    assert "taking turns" in bench_gemm.notes([])[0]


def test_a_missing_reference_is_skipped_with_a_line_saying_how_to_install_it(monkeypatch):
    monkeypatch.setattr(bench_training, "installed", lambda module: module != "jax")
    frameworks, skipped = bench_training.frameworks_to_run()
    assert frameworks == ["tinynet", "torch"]
    assert skipped == ['JAX column skipped: jax is not installed (pip install -e ".[bench-jax]")']


def test_written_files_carry_the_convention_and_the_backend(tmp_path):
    env = report.environment({"backend": "c", "simd": "avx2", "cpu_simd": "avx512", "openmp": True,
                              "compiler": "gcc", "flags": "-O3"}, "openblas", note="a busy machine")
    row = {"case": "x", "threads": 1, "tinynet ms": 1.0, "PyTorch ms": 3.0, "tinynet/PyTorch speed": 3.0,
           "details": {"raw": [1, 2]}}
    written = report.write(tmp_path, env, {"conv": [row]}, ["### conv\n\n" + report.markdown([row])])
    assert written == ["latest.md", "latest.json", "latest.png"]
    text = (tmp_path / "latest.md").read_text()
    assert "backend **c**, SIMD path **avx2**" in text and "a busy machine" in text
    assert report.RATIO_CONVENTION in text and "details" not in text
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert saved["meta"]["ratio_convention"] == report.RATIO_CONVENTION
    assert saved["results"]["conv"][0]["tinynet/PyTorch speed"] == 3.0
    report.write(tmp_path, env, {"busy": [{"workload": "mlp", "2-thread/1-thread speed": 0.5}]}, [])
    assert not (tmp_path / "latest.png").exists()  # no tinynet/X ratio to draw: the old chart is removed


def test_refusal_messages_say_what_to_do():
    assert preflight.refusal({"backend": "c"}, "/anywhere/tinynet") is None
    by_env = preflight.refusal({"backend": "numpy", "numpy_backend_reason": "TINYNET_BACKEND=numpy"}, "/x/tinynet")
    assert "unset TINYNET_BACKEND" in by_env
    missing = {"backend": "numpy", "numpy_backend_reason": "C extension unavailable (no module)"}
    shadowed = preflight.refusal(missing, "/src/tinynet", "/src", installed_copy="/site-packages/tinynet")
    assert "source folder" in shadowed and "pip install -e ." in shadowed and "/site-packages/tinynet" in shadowed
    elsewhere = preflight.refusal(missing, "/site-packages/tinynet", "/src")
    assert "pip install ." in elsewhere and "C compiler" in elsewhere


def test_the_suite_refuses_to_measure_the_numpy_backend(tmp_path):
    env = dict(os.environ, TINYNET_BACKEND="numpy")
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "overhead", "--quick",
                           "--out", str(tmp_path / "out")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "nothing was measured" in done.stderr and "TINYNET_BACKEND" in done.stderr
    assert not (tmp_path / "out").exists() and "running overhead" not in done.stderr


def test_busy_mode_runs_a_pinned_spinner_and_ends_it():
    with bench_busy.busy_core() as (pid, cpu):
        assert os.path.exists(f"/proc/{pid}") or sys.platform != "linux"
        if hasattr(os, "sched_getaffinity"):
            assert os.sched_getaffinity(pid) == {cpu} and cpu == max(os.sched_getaffinity(0))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone (killed and reaped)


def test_busy_is_an_extra_table_not_part_of_the_default_run():
    from benchmarks.__main__ import selected

    assert "busy" not in selected(None, busy=False)
    assert selected(None, busy=True)[-1] == "busy"
    assert selected(["training"], busy=False) == ["training"]


def test_busy_notes_say_how_openmp_threads_wait():
    lines = bench_busy.notes([])
    assert any("OpenMP threads wait between kernels with: " + str(tinynet.build_info().get("openmp_wait", "no OpenMP"))
               in line for line in lines)


def test_taking_turns_switches_thread_counts_and_pairs_neighbouring_turns(monkeypatch, capsys):
    calls = []
    real = tinynet.set_num_threads
    monkeypatch.setattr(tinynet, "set_num_threads", lambda n: (calls.append(n), real(n)))
    before = tinynet.get_num_threads()
    try:
        bench_busy.turns_child("tinynet", "mlp", quick=True)
    finally:
        real(before)
    ratios = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["ratios"]
    assert len(ratios) == 12 and all(0 < r < float("inf") for r in ratios)
    assert calls[:2] == [2, 2]  # the step's own setting, the warm-up turn
    assert calls[2:] == [2, 1, 1, 2] * 6  # each pair of turns at 2 and 1 threads, which goes first alternating


def test_training_turns_rotate_and_give_one_ratio_per_round(monkeypatch):
    """Three frameworks on a fake clock, one of them taking twice tinynet's time a step: every chunk is timed,
    who goes first rotates, and the ratios are 2 and 1."""
    calls, clock = [], [0.0]

    def builder(name, seconds):
        def build(layers, arrays, threads):
            assert threads == 1

            def step(x, y):
                calls.append(name)
                clock[0] += seconds
            return step
        return build

    for name, seconds in (("tinynet", 1.0), ("torch", 2.0), ("jax", 1.0)):
        monkeypatch.setitem(bench_training.STEP_BUILDERS, name, builder(name, seconds))
    monkeypatch.setattr(turns, "perf_counter", lambda: clock[0])
    rates = training_turns.turns("mlp", 3, 2, ["tinynet", "torch", "jax"])
    assert rates == {"tinynet": [64.0] * 3, "torch": [32.0] * 3, "jax": [64.0] * 3}  # 2 steps of 64 images
    timed = calls[3 * bench_training.WARMUP_STEPS:]
    assert [timed[k] for k in (0, 6, 12)] == ["tinynet", "torch", "jax"]  # the first of each round rotates
    assert training_turns.ratios(rates) == {"torch": (2.0, 2.0, 2.0), "jax": (1.0, 1.0, 1.0)}
