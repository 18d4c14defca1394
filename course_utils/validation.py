"""Checks of user input shared by the course's modules, so that every module words them alike."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

__all__ = ["check_fraction", "check_int", "check_positive", "complete_config"]


def check_int(value: object, name: str, minimum: int) -> int:
    """Return ``value`` as an int, or raise ValueError if it is not an int >= ``minimum``.

    Args:
        value: The value to check.
        name: The argument's name, used in the error message.
        minimum: The smallest allowed value.

    Returns:
        The value as a Python int.

    Raises:
        ValueError: If ``value`` is not an integer >= ``minimum``. Booleans are rejected too:
            ``max_len=True`` is always a mistake.
    """
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}.")
    return int(value)


def check_fraction(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise ValueError if it is not a number in [0, 1).

    Args:
        value: The value to check, such as a dropout rate.
        name: The argument's name, used in the error message.

    Returns:
        The value as a Python float.

    Raises:
        ValueError: If ``value`` is not a real number with 0 <= value < 1 (booleans too).
    """
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}.")
    return float(value)


def check_positive(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise ValueError if it is not a finite number > 0.

    Args:
        value: The value to check, such as a learning rate.
        name: The argument's name, used in the error message.

    Returns:
        The value as a Python float.

    Raises:
        ValueError: If ``value`` is not a real number with 0 < value < infinity (booleans too).
    """
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < float("inf"):
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


def complete_config(config: object, defaults: dict[str, Any]) -> dict[str, Any]:
    """Return ``config`` completed with ``defaults``, or raise ValueError on an unknown key.

    Args:
        config: The caller's hyperparameters; every key must be a key of ``defaults``.
        defaults: The model's default configuration.

    Returns:
        A new dict: ``defaults`` updated with ``config``. The values are not checked here;
        each model module checks its own.

    Raises:
        ValueError: If ``config`` is not a dict or has a key that ``defaults`` lacks (a typo
            would otherwise be ignored silently); the message lists the known keys.
    """
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict, got {type(config).__name__}.")
    unknown = sorted(set(config) - set(defaults))
    if unknown:
        raise ValueError(f"unknown config keys {unknown}; the keys are {sorted(defaults)}.")
    return {**defaults, **config}
