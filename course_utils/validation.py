"""Checks of user input shared by the course's modules, so that every module words them alike."""

from __future__ import annotations

from numbers import Integral

__all__ = ["check_int", "check_split"]


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


def check_split(split: object) -> None:
    """Raise ValueError unless ``split`` is a leave-last-out split.

    Args:
        split: The value to check.

    Raises:
        ValueError: If ``split`` is not a :class:`course_utils.splits.LeaveLastOut`; the
            message says how to build one.
    """
    from course_utils.splits import LeaveLastOut  # imported here: splits imports this module

    if not isinstance(split, LeaveLastOut):
        raise ValueError(
            f"split must be a LeaveLastOut, got {type(split).__name__}; build it with "
            "course_utils.splits.leave_last_out(ratings)."
        )
