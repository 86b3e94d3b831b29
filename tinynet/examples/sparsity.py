"""Sparsity after BatchNorm and ReLU: how many of a residual net's activations are exactly zero.

Used by the ``residual`` example.  BatchNorm gives each channel zero mean over the batch, so the
ReLU after it starts by zeroing about half of the values; training moves BatchNorm's shift and
with it that fraction, layer by layer.  ``SparsityProbe`` measures it (and the spread of the values
that are not zero) on fixed test images at snapshots during training; ``sparsity_figure`` draws
the last snapshot and ``sparsity_player`` all of them under a step slider.
"""

import numpy as np

BIN_EDGES = np.linspace(0.0, 6.0, 25)  # histogram bins of the activations that are not zero (larger: last bin)


class SparsityProbe:
    """Runs fixed test images through a trained v1 net and measures each BN + ReLU output.

    Forward hooks catch the stem's ReLU (after layer 1), and in every ResidualBlock the output of
    bn1 (its ReLU is a function call, so the hook takes bn1 and applies the ReLU itself) and the
    block's output relu(bn2(...) + shortcut) -- after layers 2, 3 for the first unit, and so on;
    "+x" marks the outputs where the shortcut was added before the ReLU.  ``snapshot(step)``
    stores, per layer, the fraction of exact zeros and the histogram (over BIN_EDGES, larger values
    in the last bin) of the values that are not zero, as a share of all the layer's values.
    """

    def __init__(self, model, images):
        from tinynet import nn

        self.model, self.images = model, images
        self.names, self.steps, self.zero_fraction, self.histograms = [], [], [], []
        self._caught, self._catching, layer = {}, False, 1
        for module in model:
            if isinstance(module, nn.ReLU):
                self._watch(module, "layer 1", relu=False)
            elif isinstance(module, nn.ResidualBlock):
                self._watch(module.bn1, f"layer {layer + 1}", relu=True)
                self._watch(module, f"layer {layer + 2} +x", relu=False)
                layer += 2

    def _watch(self, module, name, relu):
        def catch(module, inputs, output):
            if self._catching:  # not during training steps: only the snapshots' forward passes
                self._caught[name] = np.maximum(output.numpy(), 0) if relu else output.numpy()

        self.names.append(name)
        module.register_forward_hook(catch)

    def snapshot(self, step):
        """Measure the activations of the test images at this step (eval mode, no graph; training mode after)."""
        import tinynet

        was_training, self._catching = self.model.training, True
        self.model.eval()
        try:
            with tinynet.no_grad():
                self.model(tinynet.tensor(self.images))
        finally:
            self.model.train(was_training)
            self._catching = False
        values = [self._caught[name] for name in self.names]
        self.steps.append(step)
        self.zero_fraction.append([float(np.mean(v == 0)) for v in values])
        self.histograms.append([np.histogram(np.minimum(v[v > 0], BIN_EDGES[-1]), BIN_EDGES)[0] / max(v.size, 1)
                                for v in values])


def sparsity_figure(probe, path):
    """Left: each layer's fraction of zero activations; right: how its other values spread; returns the Path."""
    from tinynet.viz.style import new_figure, savefig

    zeros, shares = np.asarray(probe.zero_fraction[-1]), np.asarray(probe.histograms[-1])
    rows = np.arange(len(probe.names))
    fig = new_figure(10.0, 0.8 + 0.26 * len(rows))
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": (1, 1.7), "wspace": 0.08})
    left.barh(rows, zeros, color="0.35", height=0.75)
    left.set_xlim(0, 1)
    left.set_xlabel("fraction exactly 0 after ReLU", fontsize=10)
    left.set_yticks(rows, probe.names, fontsize=9)
    left.invert_yaxis()
    left.grid(True, axis="x", alpha=0.3)
    image = right.imshow(shares, aspect="auto", cmap="magma_r", vmin=0, interpolation="nearest",
                         extent=(BIN_EDGES[0], BIN_EDGES[-1], len(rows) - 0.5, -0.5))
    right.set_xlabel(f"value of the activations that are not 0 (the last bin holds all above {BIN_EDGES[-1]:g})",
                     fontsize=10)
    for ax in (left, right):
        ax.tick_params(labelsize=9)
    bar = fig.colorbar(image, ax=right, fraction=0.05, pad=0.02)
    bar.set_label("share of the layer's values in the bin", fontsize=10)
    bar.ax.tick_params(labelsize=9)
    fig.suptitle(f"the residual v1 net after {probe.steps[-1]} steps, on {len(probe.images)} test images",
                 fontsize=11)
    return savefig(fig, path)


def sparsity_player(probe, colour="C2"):
    """A tour StepPlayer: each unit's fraction of zeros, inside the unit and at its output, at every snapshot
    (and the mean over all layers, the first conv layer's included)."""
    from tinynet.examples.report import Curve, Profile, Series, StepPlayer

    units = len(probe.names) // 2  # the stem (layer 1), then two layers per unit
    inside = [[zeros[2 * u + 1] for u in range(units)] for zeros in probe.zero_fraction]  # relu(bn1(conv1))
    output = [[zeros[2 * u + 2] for u in range(units)] for zeros in probe.zero_fraction]  # relu(bn2(..) + x)
    profile = Profile("fraction of the values that are exactly 0", list(range(1, units + 1)),
                      [Curve("a unit's output: ReLU(BN(conv) + x)", output, colour),
                       Curve("inside a unit: ReLU(BN(conv))", inside, "#24292f")],
                      "residual unit (1 = next to the input)", "fraction exactly 0", limits=(0.0, 1.0),
                      reference="step 0 (initial weights)")
    mean = Series("mean over layers", [float(np.mean(zeros)) for zeros in probe.zero_fraction], digits=1,
                  percent=True, group="fraction of zeros", colour=colour)
    return StepPlayer("Sparsity of the residual v1 net, step by step",
                      f"After every BatchNorm + ReLU of the residual v1 net, on the same {len(probe.images)} test "
                      f"images at each snapshot: the fraction of values that are exactly 0, for each unit's inner "
                      "layer and for its output (where the shortcut x was added before the ReLU). The faint dashed "
                      "curves are step 0, before any training.",
                      probe.steps, profiles=[profile], series=[mean])
