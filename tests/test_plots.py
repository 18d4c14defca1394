"""Tests for course_utils.plots on small inputs: what is drawn, and clear errors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from course_utils import plots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


HISTORY = pd.DataFrame(
    {"loss": [1.0, 0.5, 0.4], "val_loss": [1.1, 0.7, 0.8], "NDCG@10": [0.1, 0.2, 0.15]},
    index=pd.Index([1, 2, 3], name="epoch"),
)


def test_training_curves_draws_one_panel_per_quantity() -> None:
    figure, axes = plots.training_curves(
        HISTORY,
        [
            ("Loss", "loss", {"train": "loss", "validation": "val_loss"}),
            ("NDCG", "NDCG@10", {"": "NDCG@10"}),
        ],
        best_epoch=2,
        ylims=[None, (0, 1)],
    )
    assert len(axes) == 2 and len(figure.axes) == 2
    loss, ndcg = axes
    assert [line.get_label() for line in loss.get_lines()][:2] == ["train", "validation"]
    np.testing.assert_array_equal(loss.get_lines()[1].get_ydata(), HISTORY["val_loss"])
    assert loss.get_title() == "Loss" and loss.get_xlabel() == "epoch"
    assert ndcg.get_ylim() == (0, 1)
    # The kept epoch is marked on every panel; an unlabelled line has no legend entry.
    assert all(axis.get_lines()[-1].get_xdata()[0] == 2 for axis in axes)
    assert [text.get_text() for text in ndcg.get_legend().get_texts()] == ["kept weights"]


def test_training_curves_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="panels is empty"):
        plots.training_curves(HISTORY, [])
    with pytest.raises(ValueError, match=r"history has no column \['accuracy'\]"):
        plots.training_curves(HISTORY, [("A", "a", {"train": "accuracy"})])
    with pytest.raises(ValueError, match="ylims has 2 entries for 1 panels"):
        plots.training_curves(HISTORY, [("L", "l", {"": "loss"})], ylims=[None, None])


def test_grouped_bars_places_one_bar_per_column_with_errors() -> None:
    values = pd.DataFrame({"filtered": [0.1, 0.2], "unfiltered": [0.05, 0.1]}, index=["Pop", "GRU"])
    errors = values * 0.1
    figure, axis = plots.grouped_bars(values, errors=errors, ylabel="NDCG@10", rotation=35)
    bars = axis.patches
    assert len(bars) == 4
    heights = sorted(round(bar.get_height(), 6) for bar in bars)
    assert heights == [0.05, 0.1, 0.1, 0.2]
    # Two bars per group, side by side around the group's position.
    centres = sorted(bar.get_x() + bar.get_width() / 2 for bar in bars)
    np.testing.assert_allclose(centres, [-0.2, 0.2, 0.8, 1.2])
    assert [label.get_text() for label in axis.get_xticklabels()] == ["Pop", "GRU"]
    assert [text.get_text() for text in axis.get_legend().get_texts()] == ["filtered", "unfiltered"]
    from matplotlib.container import ErrorbarContainer

    error_bars = [c for c in axis.containers if isinstance(c, ErrorbarContainer)]
    assert len(error_bars) == 2 and figure is axis.figure


def test_grouped_bars_draws_on_a_given_axis_and_refuses_bad_input() -> None:
    figure, given = plt.subplots()
    values = pd.DataFrame({"ms": [1.0, 2.0]}, index=["a", "b"])
    assert plots.grouped_bars(values, ax=given) == (figure, given)
    assert given.get_legend() is None, "one column needs no legend"
    with pytest.raises(ValueError, match="values is empty"):
        plots.grouped_bars(pd.DataFrame())
    with pytest.raises(ValueError, match="same rows and columns"):
        plots.grouped_bars(values, errors=values.T)


def test_image_grid_hides_the_spare_cells_and_shares_a_symmetric_scale() -> None:
    images = np.stack([np.full((3, 3), value) for value in (-2.0, 1.0, 0.5)])
    figure, axes = plots.image_grid(
        images, columns=2, titles=["a", "b", "c"], cmap="RdBu_r", symmetric=True, suptitle="kernels"
    )
    assert axes.shape == (2, 2)
    shown = [axis for axis in axes.flat if axis.images]
    assert len(shown) == 3 and not axes[1, 1].images
    assert all(axis.images[0].get_clim() == (-2.0, 2.0) for axis in shown)
    assert [axis.get_title() for axis in shown] == ["a", "b", "c"]
    assert figure.get_suptitle() == "kernels"
    _, own = plots.image_grid(images[:2], columns=2)
    assert own[0, 1].images[0].get_clim() == (1.0, 1.0), "each image on its own scale"


def test_image_grid_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="images is empty"):
        plots.image_grid([], columns=2)
    with pytest.raises(ValueError, match="2-D"):
        plots.image_grid(np.zeros((2, 3, 3, 1)), columns=2)
    with pytest.raises(ValueError, match="columns must be an int >= 1"):
        plots.image_grid(np.zeros((2, 3, 3)), columns=0)
    with pytest.raises(ValueError, match="1 titles for 2 images"):
        plots.image_grid(np.zeros((2, 3, 3)), columns=2, titles=["a"])
