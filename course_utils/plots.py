"""The figures the course draws again and again: training curves, grouped bars, image grids.

A notebook that teaches how a figure is made draws it inline; the rest call these helpers,
so that the same kind of figure looks the same in every notebook. Each returns the figure
and its axes, for a notebook to add to (a reference line, a legend) before ``plt.show()``.
The style comes from :func:`course_utils.setup.setup_notebook`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from course_utils.validation import check_int

__all__ = ["grouped_bars", "image_grid", "training_curves"]

#: A panel of :func:`training_curves`: its title, its y label, and {line label: column}.
Panel = tuple[str, str, Mapping[str, str]]


def training_curves(
    history: pd.DataFrame,
    panels: Sequence[Panel],
    *,
    best_epoch: int | None = None,
    ylims: Sequence[tuple[float, float] | None] | None = None,
    figsize: tuple[float, float] = (10, 3.6),
) -> tuple[Any, np.ndarray]:
    """Draw training curves side by side, one panel per quantity, epochs on the x axis.

    Args:
        history: One row per epoch, indexed by the epoch number (``pd.DataFrame(fit.history)``
            with its index shifted to start at 1, or the course's training history).
        panels: ``(title, y label, {line label: column})`` for each panel. A line label of
            ``""`` draws a line without a legend entry.
        best_epoch: Mark the epoch whose weights were kept with a dotted vertical line.
        ylims: The y range of each panel (None leaves one to Matplotlib).
        figsize: The figure's size in inches.

    Returns:
        ``(figure, axes)``, one axis per panel.

    Raises:
        ValueError: If there is no panel, ``ylims`` has another length, or a column is missing.
    """
    if not panels:
        raise ValueError("panels is empty; give at least one (title, y label, {label: column}).")
    if ylims is not None and len(ylims) != len(panels):
        raise ValueError(f"ylims has {len(ylims)} entries for {len(panels)} panels.")
    missing = sorted(
        {column for _, _, lines in panels for column in lines.values()} - set(history.columns)
    )
    if missing:
        raise ValueError(f"history has no column {missing}; it has {list(history.columns)}.")
    figure, axes = plt.subplots(1, len(panels), figsize=figsize, squeeze=False)
    axes = axes[0]
    for index, (axis, (title, ylabel, lines)) in enumerate(zip(axes, panels, strict=True)):
        for label, column in lines.items():
            axis.plot(history.index, history[column], marker="o", label=label or None)
        if best_epoch is not None:
            axis.axvline(best_epoch, color="0.6", linestyle=":", label="kept weights")
        axis.set(title=title, xlabel="epoch", ylabel=ylabel)
        if ylims is not None and ylims[index] is not None:
            axis.set_ylim(*ylims[index])
        if axis.get_legend_handles_labels()[1]:
            axis.legend()
    figure.tight_layout()
    return figure, axes


def grouped_bars(
    values: pd.DataFrame,
    *,
    errors: pd.DataFrame | None = None,
    ax: Any = None,
    ylabel: str = "",
    title: str = "",
    rotation: float = 0,
    figsize: tuple[float, float] = (6.5, 3.2),
) -> tuple[Any, Any]:
    """Draw one group of bars per row of a table, one bar per column, with optional error bars.

    Args:
        values: Rows are the groups along the x axis (models, for a leaderboard), columns the
            bars within a group (settings or metrics); the column names label the legend.
        errors: The half-length of each bar's error bar, the same shape as ``values``.
        ax: An axis to draw on; a new figure when None.
        ylabel: The y axis's label.
        title: The axis's title.
        rotation: The angle of the group labels, in degrees (35 for long model names).
        figsize: The size of a new figure.

    Returns:
        ``(figure, axis)``.

    Raises:
        ValueError: If ``values`` is empty or ``errors`` does not match its shape and labels.
    """
    if values.empty:
        raise ValueError("values is empty; give one row per group and one column per bar.")
    if errors is not None and (
        errors.shape != values.shape
        or list(errors.index) != list(values.index)
        or list(errors.columns) != list(values.columns)
    ):
        raise ValueError("errors must have the same rows and columns as values.")
    if ax is None:
        figure, ax = plt.subplots(figsize=figsize)
    else:
        figure = ax.figure
    positions = np.arange(len(values))
    width = 0.8 / values.shape[1]
    for number, column in enumerate(values.columns):
        offset = (number - (values.shape[1] - 1) / 2) * width
        ax.bar(
            positions + offset,
            values[column].to_numpy(dtype=float),
            width=width,
            label=str(column),
            yerr=None if errors is None else errors[column].to_numpy(dtype=float),
            error_kw={"elinewidth": 1, "capsize": 2},
        )
    ax.set_xticks(
        positions,
        [str(label) for label in values.index],
        rotation=rotation,
        ha="right" if rotation else "center",
    )
    ax.set(ylabel=ylabel, title=title)
    if values.shape[1] > 1:
        ax.legend()
    return figure, ax


def image_grid(
    images: np.ndarray | Sequence[np.ndarray],
    *,
    columns: int,
    titles: Sequence[str] | None = None,
    cmap: str = "gray_r",
    symmetric: bool = False,
    suptitle: str = "",
    figsize: tuple[float, float] | None = None,
) -> tuple[Any, np.ndarray]:
    """Show 2-D arrays (digits, kernels, feature maps) in a grid, without ticks.

    Args:
        images: The arrays, or one array whose first axis runs over them.
        columns: How many per row.
        titles: A short title above each image.
        cmap: The colour map (``"RdBu_r"`` with ``symmetric`` for signed weights).
        symmetric: One colour scale for all, centred on zero (red positive, blue negative);
            otherwise each image has its own scale.
        suptitle: The figure's title.
        figsize: The figure's size; about 1 inch per image when None.

    Returns:
        ``(figure, axes)``, the axes as a 2-D array (unused cells are hidden).

    Raises:
        ValueError: If there is no image, an image is not 2-D, ``columns`` < 1, or the titles
            are not one per image.
    """
    images = [np.asarray(image) for image in images]
    if not images:
        raise ValueError("images is empty.")
    if any(image.ndim != 2 for image in images):
        raise ValueError("every image must be a 2-D array; take one channel with [..., c].")
    columns = check_int(columns, "columns", 1)
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images.")
    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=figsize or (columns, rows + 0.4), squeeze=False
    )
    limit = max(float(np.abs(image).max()) for image in images) if symmetric else None
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index >= len(images):
            continue
        scale = {"vmin": -limit, "vmax": limit} if limit is not None else {}
        axis.imshow(images[index], cmap=cmap, **scale)
        if titles is not None:
            axis.set_title(titles[index], fontsize=8)
    if suptitle:
        figure.suptitle(suptitle)
    figure.tight_layout()
    return figure, axes
