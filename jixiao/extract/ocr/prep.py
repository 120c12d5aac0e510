"""Page images made ready for an engine that has no grid to go by: ruling lines erased
(tesseract reads them as text), the text size measured (to decide on upscaling by resolution,
not globally). The pixel operations themselves are ``jixiao.extract.pixels``'.

Measured: tesseract on a whole table page reads 15–22 % of cells exactly with the lines left in
and 62–69 % with them erased. The scan reader finds the lines anyway (its lattice) and should
pass its mask; ``line_mask`` here is the fallback: long horizontal and vertical ink runs.
"""

from __future__ import annotations

import cv2

from jixiao.extract.pixels import Image, binarize, erase, glyph_height, long_runs, to_grey, u8

# A run of ink is a rule when it is this many character heights long: CJK strokes and brackets
# stay within about 1.2 heights and "——" is 2 wide, while rules run the length of a cell (a
# vertical one at least a row, about 2 heights). Relative to the text, not to the image, so
# that a small crop of a table loses its rules and keeps its characters.
_H_RULE = 2.5
_V_RULE = 1.5
# when a page has no measurable text: a share of its width / height (about 20 pt on A4)
_H_SHARE = 1 / 30
_V_SHARE = 1 / 40
# the threshold's window: a sixtieth of the page's shorter side, at least 15 px; and how much
# darker than its window a pixel is to count as ink. The median and the margin keep scanner
# noise out: without them a noisy 200 dpi scan (σ 14) came out 14 % ink instead of 6 %, its
# speckles passed for characters and the rules' length, set from the text height, fell to a
# stroke's
_BLOCK_SHARE = 1 / 60
_OFFSET = 20.0


def ink(gray: Image) -> Image:
    """Dark pixels as 255, adaptively (shading and uneven scans do not turn black)."""
    block = max(15, int(min(gray.shape[:2]) * _BLOCK_SHARE) | 1)
    return binarize(u8(cv2.medianBlur(gray, 3)), block, _OFFSET)


def text_height(gray: Image, dark: Image | None = None) -> float:
    """Typical character height in pixels of a grey page (``pixels.glyph_height``)."""
    return glyph_height(ink(gray) if dark is None else dark)


def _rule_lengths(gray: Image, dark: Image) -> tuple[int, int]:
    height = text_height(gray, dark)
    if height > 0:
        return max(8, round(_H_RULE * height)), max(8, round(_V_RULE * height))
    h, w = gray.shape[:2]
    return max(8, round(w * _H_SHARE)), max(8, round(h * _V_SHARE))


def line_mask(image: Image) -> Image:
    """255 on long horizontal and vertical runs of ink (table rules), 0 elsewhere."""
    gray = to_grey(image)
    dark = ink(gray)
    h_len, v_len = _rule_lengths(gray, dark)
    return u8(cv2.bitwise_or(long_runs(dark, h_len, True), long_runs(dark, v_len, False)))


def erase_lines(image: Image, mask: Image, grow: int = 2) -> Image:
    """The image in grey with the masked pixels (grown by ``grow`` px, for the anti-aliased
    edges of a rule) painted white."""
    return erase(to_grey(image), mask, grow)
