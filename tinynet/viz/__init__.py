"""tinynet.viz: pictures of what networks learn, for the examples and for your own models.

Every function takes plain arrays, Tensors or tinynet Modules and writes an
image file (PNG, SVG, ... by extension); none needs a display.

    weights.py    weight_grid (weights as images), image_grid, weight_bars
    boundary.py   decision_boundary of a 2-D classifier
    hidden.py     capture_activations (forward hooks), hidden_space (2-D hidden layer)
    confusion.py  confusion_matrix, plot_confusion, most_confident_per_cell, mistakes_gallery
    curves.py     training_curves
    style.py      colormaps (red-white-blue: +1 blue, 0 white, -1 red), savefig, headless backend
    animation.py  ActivationRecorder, activation_gif (feature maps over training), write_gif
    scatter3d.py  scatter3d, rotating_scatter3d_gif (e.g. an autoencoder's 3-D codes)
    receptive_field.py  receptive_fields of a model's conv/pool layers, as a table
    graph.py      draw_graph, to_dot (the computation graph), record_gradients
    graph_svg.py  graph_svg: the graph as SVG text, one element per box (for a web page)
    backward_steps.py  backward_walk, record_backward_steps: a backward pass as table rows, op by op
    hidden_units.py    filters_and_class_weights: hidden filters above the class weights that use them
    sprites.py    write_sprite: every recorded frame in one PNG, for the tour page's step slider
"""

from tinynet.viz.style import use_agg_if_headless

use_agg_if_headless()

from tinynet.viz.boundary import decision_boundary, draw_decision_boundary  # noqa: E402
from tinynet.viz.confusion import (  # noqa: E402
    confusion_matrix, mistakes_gallery, most_confident_per_cell, plot_confusion,
)
from tinynet.viz.curves import training_curves  # noqa: E402
from tinynet.viz.graph import draw_graph, record_gradients, to_dot  # noqa: E402
from tinynet.viz.hidden_units import filters_and_class_weights  # noqa: E402
from tinynet.viz.hidden import capture_activations, draw_hidden_space, hidden_space  # noqa: E402
from tinynet.viz.style import RED_WHITE_BLUE, savefig  # noqa: E402
from tinynet.viz.weights import image_grid, weight_bars, weight_grid  # noqa: E402
from tinynet.viz.animation import ActivationRecorder, activation_gif, write_gif  # noqa: E402
from tinynet.viz.receptive_field import receptive_fields  # noqa: E402
from tinynet.viz.scatter3d import rotating_scatter3d_gif, scatter3d  # noqa: E402
