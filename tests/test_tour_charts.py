"""The step players' SVG charts: series sharing a chart, profiles with fixed axes, ticks that say what they mean."""

import json
import re

import pytest

from tinynet.examples.report import Curve, Profile, Series, StepPlayer
from tinynet.examples.tour import charts
from tinynet.examples.tour.blocks import player_html


def _texts(svg):
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_series_of_one_group_share_a_chart_with_a_legend():
    series = [Series("a", [1.0, 2.0], group="loss", colour="C0"), Series("alone", [5.0, 6.0]),
              Series("b", [3.0, 4.0], group="loss", colour="C1"), Series("hidden", [0.0, 0.0], chart=False)]
    grouped = charts.grouped_series(series)
    assert [(title, [s.name for s in members]) for title, members in grouped] == [("loss", ["a", "b"]),
                                                                                  ("alone", ["alone"])]
    svg = charts.series_chart_svg(grouped[0][1], [0, 1], "loss")
    assert svg.count("<polyline") == 2 and 'stroke="#1f77b4"' in svg and 'stroke="#ff7f0e"' in svg
    texts = _texts(svg)
    assert "loss per step" in texts and "a" in texts and "b" in texts  # the legend names both
    assert "4.000" in texts and "1.000" in texts  # one y axis spans both series
    single = charts.series_chart_svg(grouped[1][1], [0, 1], "alone")
    assert "a" not in _texts(single) and 'class="cursor"' in single


def test_log_ticks_are_decades_or_1_2_5_within_a_small_range():
    assert charts._log_ticks(2e-6, 3.0) == pytest.approx([1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert charts._log_ticks(0.07, 3.0) == pytest.approx([0.1, 0.2, 0.5, 1.0, 2.0])
    assert charts._log_label(1e-5) == "10\u207b\u2075" and charts._log_label(0.01) == "0.01"
    assert charts._linear_ticks(0.0, 1.0) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])


def _profile(**changes):
    options = dict(title="norms", x=[1, 2, 3],
                   curves=[Curve("net a", [[1e-4, 1e-2, 1.0], [2e-4, 2e-2, 0.5]], "C0"),
                           Curve("net b", [[1.0, 1.0, 1.0], [None, 0.8, 0.9]], "#123456")],
                   x_label="layer", y_label="norm", log=True, reference="step 1")
    options.update(changes)
    return Profile(**options)


def test_profile_axes_are_fixed_over_all_frames_and_the_legend_sits_beside_the_plot():
    profile = _profile()
    low, high = charts.profile_limits(profile)
    assert low < 1e-4 and high > 1.0  # every value of every frame fits
    svg = charts.profile_svg(profile, 0)
    texts = _texts(svg)
    assert {"1", "2", "3", "layer", "norm", "net a", "net b", "step 1"} <= set(texts)
    assert "10\u207b\u2074" in texts and 'class="moving"' in svg
    legend_x = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*>net a<', svg)]
    assert legend_x[0] > charts.PROFILE_LEFT + charts.PROFILE_WIDTH  # right of the plotting area
    assert 'stroke-dasharray="4 3"' in svg  # the reference is drawn dashed in the legend
    data = charts.profile_data(profile, lambda v: v)
    assert data["reference"] and data["curves"][0]["colour"] == "#1f77b4" and data["curves"][1]["colour"] == "#123456"
    assert data["curves"][1]["values"][1] == [None, 0.8, 0.9]
    assert charts.profile_limits(_profile(log=False, limits=(0, 1))) == (0.0, 1.0)


def test_crowded_x_labels_are_thinned():
    many = _profile(x=list(range(1, 21)), curves=[Curve("a", [[1.0] * 20], "C0")])
    labels = [t for t in _texts(charts.profile_svg(many, 0)) if t.isdigit()]
    assert labels[0] == "1" and "19" in labels and "20" not in labels  # 20 would touch 19
    assert len(labels) <= 12


def test_a_player_carries_its_profiles_to_the_script(tmp_path):
    player = StepPlayer("title", "caption", [1, 2], profiles=[_profile()],
                        series=[Series("a", [1.0, 2.0], group="g"), Series("b", [3.0, 4.0], group="g")])
    html = player_html(player, tmp_path, "p")
    data = json.loads(re.search(r'<script type="application/json" class="player-data">(.*?)</script>', html).group(1))
    assert len(data["profiles"]) == 1 and data["profiles"][0]["x"] == [1.0, 2.0, 3.0]
    assert [s["group"] for s in data["series"]] == ["g", "g"]
    assert html.count('class="profile"') == 1 and html.count("<svg") == 2  # the profile and one shared chart
