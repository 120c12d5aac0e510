"""Where a prepared page's pixels came from: the affine map between the scan and its prepared copy.

Conventions, used by every module of the scan path:

- Pixel coordinates are continuous (x, y), origin at the image's top-left corner, y down:
  pixel [row j, column i] covers [i, i + 1) x [j, j + 1), so its centre is (i + 0.5, j + 0.5)
  and an image spans [0, width] x [0, height]. This is the renderer's convention, so a box in
  points times dpi / 72 lands on the same pixels (``raster.page_image``).
- ``rotation`` is the clockwise quarter turn (0, 90, 180, 270 degrees) applied to the original
  image to make its text upright. A page fed sideways with its top on the right needs 270.
- ``skew_degrees`` is the small rotation then applied to make its rulings level, positive
  counter-clockwise as seen on screen (OpenCV's ``getRotationMatrix2D`` sign). The scan's own
  skew is the opposite: a page scanned 1.5 degrees clockwise is corrected by +1.5.
- ``matrix`` maps original pixels to prepared pixels: ``[xp, yp] = M @ [x, y, 1]``. The prepared
  image has the original's size after the quarter turn (width and height swap at 90 and 270);
  deskewing turns about the centre and keeps the size, so nothing inside the page is lost.
- Page points are prepared pixels divided by ``scale`` (dpi / 72), origin at the prepared page's
  top-left: the frame of the Lattice and of OCR boxes read on the prepared image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from jixiao.grid import Box

FloatArray = NDArray[np.float64]
Matrix = tuple[float, float, float, float, float, float]

IDENTITY: Matrix = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def _as3(m: Matrix) -> FloatArray:
    return np.array([[m[0], m[1], m[2]], [m[3], m[4], m[5]], [0.0, 0.0, 1.0]])


def _from3(a: FloatArray) -> Matrix:
    return (
        float(a[0, 0]),
        float(a[0, 1]),
        float(a[0, 2]),
        float(a[1, 0]),
        float(a[1, 1]),
        float(a[1, 2]),
    )


def quarter_turn_matrix(rotation: int, width: int, height: int) -> Matrix:
    """The map of ``turn_image(image, rotation)`` (a clockwise turn) on pixel coordinates.

    ``width`` and ``height`` are the image's size before the turn.
    """
    w, h = float(width), float(height)
    turns = {
        0: IDENTITY,
        90: (0.0, -1.0, h, 1.0, 0.0, 0.0),  # (x, y) -> (h - y, x)
        180: (-1.0, 0.0, w, 0.0, -1.0, h),
        270: (0.0, 1.0, 0.0, -1.0, 0.0, w),  # (x, y) -> (y, w - x)
    }
    if rotation not in turns:
        raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")
    return turns[rotation]


def turn_image(image: NDArray[np.uint8], rotation: int) -> NDArray[np.uint8]:
    """The image turned clockwise by ``rotation`` degrees (exact, no resampling)."""
    return np.ascontiguousarray(np.rot90(image, k=-(rotation // 90) % 4))


def _rotation_about(degrees: float, cx: float, cy: float) -> Matrix:
    # the same matrix as cv2.getRotationMatrix2D((cx, cy), degrees, 1.0)
    theta = np.deg2rad(degrees)
    c, s = float(np.cos(theta)), float(np.sin(theta))
    return (c, s, (1 - c) * cx - s * cy, -s, c, s * cx + (1 - c) * cy)


def skew_matrix(degrees: float, width: int, height: int) -> Matrix:
    """Rotation by ``degrees`` (counter-clockwise on screen) about the image centre."""
    return _rotation_about(degrees, width / 2.0, height / 2.0)


def skew_warp_matrix(degrees: float, width: int, height: int) -> NDArray[np.float64]:
    """The same rotation for ``cv2.warpAffine``, which puts pixel centres at whole numbers."""
    return np.array(_rotation_about(degrees, (width - 1) / 2.0, (height - 1) / 2.0)).reshape(2, 3)


def compose(first: Matrix, then: Matrix) -> Matrix:
    """The map that applies ``first`` and then ``then``."""
    return _from3(_as3(then) @ _as3(first))


def invert(m: Matrix) -> Matrix:
    return _from3(np.asarray(np.linalg.inv(_as3(m)), dtype=np.float64))


def apply(m: Matrix, points: FloatArray) -> FloatArray:
    """Map (n, 2) points through ``m``."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return pts @ np.array([[m[0], m[3]], [m[1], m[4]]]) + np.array([m[2], m[5]])


@dataclass(frozen=True)
class PageTransform:
    """Original scan pixels <-> prepared page pixels (see the module docstring)."""

    matrix: Matrix
    original_size: tuple[int, int]  # width, height of the image handed in
    prepared_size: tuple[int, int]
    rotation: int = 0
    skew_degrees: float = 0.0

    @classmethod
    def identity(cls, width: int, height: int) -> PageTransform:
        return cls(IDENTITY, (width, height), (width, height))

    def then(self, matrix: Matrix, prepared_size: tuple[int, int], *, turn: int = 0,
             skew_degrees: float = 0.0) -> PageTransform:
        """This transform followed by ``matrix`` (a stage's own map of the prepared pixels),
        with the quarter ``turn`` and the skew the stage added."""
        return PageTransform(
            matrix=compose(self.matrix, matrix),
            original_size=self.original_size,
            prepared_size=prepared_size,
            rotation=(self.rotation + turn) % 360,
            skew_degrees=self.skew_degrees + skew_degrees,
        )

    def to_prepared(self, points: FloatArray) -> FloatArray:
        return apply(self.matrix, points)

    def to_original(self, points: FloatArray) -> FloatArray:
        return apply(invert(self.matrix), points)

    def quad_to_original(self, box: Box, scale: float) -> FloatArray:
        """A box in prepared page points as its four corners (clockwise from the top-left of
        the prepared page) in original pixels: a rotated rectangle on a skewed scan."""
        corners = np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])
        return self.to_original(corners * scale)

    def box_to_original(self, box: Box, scale: float) -> Box:
        """The axis-aligned bounds, in original pixels, of a box in prepared page points: the
        region to crop from the untouched scan as evidence."""
        quad = self.quad_to_original(box, scale)
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
        return Box(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1))
