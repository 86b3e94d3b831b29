"""Training curves: the loss after every step (and accuracy, if recorded) as training goes on."""

import numpy as np
from matplotlib.ticker import MaxNLocator

from tinynet.viz.style import new_figure, savefig


def moving_average(values, window):
    """Mean of each run of ``window`` consecutive values (shorter at the start), to see a noisy loss's trend."""
    values = np.asarray(values, dtype=float)
    if window <= 1 or len(values) < 2:
        return values
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(0, ends - window)
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


def _series(history):
    """{label: list of losses} from a ``fit`` history, a dict of such histories, or a dict of lists."""
    if "loss" in history and not isinstance(history["loss"], dict):
        return {"loss": history["loss"]}
    series = {}
    for label, value in history.items():
        if isinstance(value, dict):
            if "loss" not in value:
                raise ValueError(f"history[{label!r}] has no 'loss' list")
            series[str(label)] = value["loss"]
        else:
            series[str(label)] = value
    return series


def training_curves(history, path, title=None, log_scale=None, smooth=None, ylabel="loss"):
    """Plot loss curves and save to ``path``; returns the Path.

    Parameters
    ----------
    history : dict
        The dict ``tinynet.fit`` returns (its "loss" list is plotted, and any
        "test_accuracy" list, one value per "epoch_end_step", on a second
        axis); or {label: fit history} or {label: list of losses} to compare runs.
    log_scale : bool or None
        Logarithmic loss axis (default: when the loss spans more than 100x).
    smooth : int or None
        Also draw a moving average over this many steps (default: about 1/50
        of the run for runs of 200+ steps, since mini-batch losses are noisy).
    """
    if not isinstance(history, dict) or not history:
        raise TypeError(f"training_curves expects a non-empty dict of losses, got {type(history).__name__}")
    series = {label: np.asarray(values, dtype=float).reshape(-1) for label, values in _series(history).items()}
    if not any(len(values) for values in series.values()):
        raise ValueError("training_curves: every loss list is empty (training was stopped before the first step?)")
    fig = new_figure(6.0, 3.8)
    ax = fig.add_subplot()
    for index, (label, values) in enumerate(series.items()):
        steps = np.arange(1, len(values) + 1)
        window = smooth if smooth is not None else (len(values) // 50 if len(values) >= 200 else 1)
        color = f"C{index}"
        if window > 1:
            ax.plot(steps, values, color=color, alpha=0.25, lw=0.8)
            ax.plot(steps, moving_average(values, window), color=color, lw=1.8,
                    label=f"{label} (mean of {window} steps)")
        else:
            ax.plot(steps, values, color=color, lw=1.5, label=label)
    finite = np.concatenate([v[np.isfinite(v)] for v in series.values()])
    positive = finite[finite > 0]
    if log_scale is None:
        log_scale = positive.size == finite.size and positive.size and positive.max() / positive.min() > 100
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    handles, labels = ax.get_legend_handles_labels()
    accuracy = history.get("test_accuracy") if "loss" in history else None
    if accuracy:
        ends = history.get("epoch_end_step", [])[: len(accuracy)]
        right = ax.twinx()
        right.plot(ends, accuracy[: len(ends)], "o-", color="black", label="test accuracy")
        right.set_ylabel("test accuracy")
        right.set_ylim(0, 1.02)
        for end, value in zip(ends, accuracy):
            right.annotate(f"{value:.1%}", (end, value), textcoords="offset points", xytext=(-4, -14), ha="right",
                           fontsize=9)
        more = right.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    # Below the axes, so that the legend never hides a curve or a point.
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=min(3, len(labels)),
              fontsize=9, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    return savefig(fig, path)
