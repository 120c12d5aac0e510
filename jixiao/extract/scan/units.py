"""Shared by the scan modules: the image type, lengths in points as pixels, OpenCV's results
as typed arrays."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

POINTS_PER_INCH = 72.0

# uint8 images: grey pages with paper near 255, binary pages with ink = 255
Image = NDArray[np.uint8]


def px(points: float, dpi: float, minimum: int = 1) -> int:
    """A length in points as whole pixels at ``dpi`` (at least ``minimum``)."""
    return max(minimum, round(points * dpi / POINTS_PER_INCH))


def odd(n: int) -> int:
    return n if n % 2 else n + 1


def odd_px(points: float, dpi: float, minimum: int = 1) -> int:
    """A kernel length: odd, because OpenCV anchors an even kernel off-centre and an opening
    with one shifts what it keeps by a pixel."""
    return odd(px(points, dpi, minimum))


def u8(array: object) -> Image:
    """An OpenCV result as the uint8 array it is (no copy): OpenCV's stubs type it loosely."""
    return np.asarray(array, dtype=np.uint8)
