"""What an image file's EXIF says about how it was taken: its Orientation, and whether a camera
(a phone) took it, so that its dpi tag means nothing about the paper."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageOps

_ORIENTATION, _MAKE, _MODEL = 0x0112, 0x010F, 0x0110


@dataclass(frozen=True)
class ImageTags:
    orientation: int  # EXIF Orientation as the file had it (1 when absent)
    camera: str  # EXIF Make and Model, "" when none
    dpi: float | None  # the resolution tag, None when the file has none


def image_tags(img: Image.Image) -> ImageTags:
    exif = img.getexif()
    orientation = int(exif.get(_ORIENTATION, 1) or 1)
    camera = " ".join(str(exif.get(t, "")).strip("\x00 ") for t in (_MAKE, _MODEL)).strip()
    dpi = img.info.get("dpi")
    return ImageTags(orientation, camera, float(dpi[0]) if dpi and dpi[0] else None)


def upright(img: Image.Image) -> Image.Image:
    """The image as its EXIF Orientation says to show it (the way the auditor saw it on the
    phone); unchanged when there is no tag. A sideways photo without a tag is left to the scan
    path's orientation check."""
    return ImageOps.exif_transpose(img) or img
