"""The photo steps as stages of the scan path (``scan/state.py``), in front of its light and
seal stage: the page found (``FindPage``), flattened by its homography (``Flatten``), its bowed
rulings straightened (``Straighten``); and after the page is read, its boxes moved onto the photo
(``OntoPhoto``). Each does nothing where the image is no photo (a scanner's dpi tag) or, for
``Straighten``, where the rulings are straight, so the list is the same for every image file."""

from __future__ import annotations

from dataclasses import dataclass, replace

from jixiao.extract.photo.dewarp import dewarp
from jixiao.extract.photo.exif import ImageTags
from jixiao.extract.photo.flatten import FlatPhoto, PagePlan, PhotoOptions, find_page, warp_page
from jixiao.extract.photo.source import to_photo
from jixiao.extract.scan.state import ScanState, Stage, need


@dataclass(frozen=True)
class PhotoState:
    """What the photo stages know of one image: its tags and dpi as the file holds them, where
    the page is, and (once flattened) the flat page with its maps back."""

    tags: ImageTags
    image_dpi: float  # the photo's own pixels per inch as ``raster`` reads it (its tag, or 72)
    plan: PagePlan | None = None
    flat: FlatPhoto | None = None


def photo_state(state: ScanState) -> PhotoState | None:
    return state.photo if isinstance(state.photo, PhotoState) else None


@dataclass(frozen=True)
class FindPage:
    """The sheet (or the table's frame) in the photo, and the paper's resolution."""

    options: PhotoOptions
    name: str = "photo: page finding"

    def __call__(self, state: ScanState) -> ScanState:
        photo = photo_state(state)
        if photo is None:
            return state
        return replace(state, photo=replace(photo, plan=find_page(state.image, photo.tags, self.options)))


@dataclass(frozen=True)
class Flatten:
    """The page drawn flat and upright at its measured resolution: what the later stages read."""

    options: PhotoOptions
    name: str = "photo: perspective"

    def __call__(self, state: ScanState) -> ScanState:
        photo = photo_state(state)
        if photo is None or photo.plan is None:
            return state
        flat = warp_page(state.image, photo.plan, photo.tags, self.options)
        return replace(state, photo=replace(photo, flat=flat), page_rgb=flat.image, dpi=flat.dpi)


@dataclass(frozen=True)
class Straighten:
    """Curl and lens: the rulings straightened where they bow (``dewarp.py``)."""

    options: PhotoOptions
    name: str = "photo: dewarp"

    def __call__(self, state: ScanState) -> ScanState:
        photo = photo_state(state)
        if photo is None or photo.flat is None or photo.plan is None or photo.plan.src is None:
            return state  # no photo, or an untagged page image read as it is
        flat = photo.flat
        straight = dewarp(flat.image, flat.dpi, self.options.dewarp)
        if straight is None:
            return state
        image, remap = straight
        info = flat.info.model_copy(update={"bow_pt": remap.bow_pt, "dewarped": True})
        flat = replace(flat, image=image, dewarp=remap, info=info)
        return replace(state, photo=replace(photo, flat=flat), page_rgb=image, unclosed=list(remap.open))


@dataclass(frozen=True)
class OntoPhoto:
    """Every box of the page read on the flat page moved into the photo's own pixels."""

    name: str = "photo: boxes onto the photo"

    def __call__(self, state: ScanState) -> ScanState:
        photo = photo_state(state)
        if photo is None or photo.flat is None:
            return state
        h, w = state.image.shape[:2]
        return replace(state, page=to_photo(need(state.page, "page"), photo.flat, (w, h), photo.image_dpi))


def photo_stages(options: PhotoOptions) -> list[Stage]:
    """What goes before the scan path's first stage for an image file."""
    return [FindPage(options), Flatten(options), Straighten(options)]
