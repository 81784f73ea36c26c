"""Turn downloaded bytes into an image that fits BUYMA's product-image spec, with as little
Pillow work as the input allows.

The spec (see docs/media.md for what was found and why these figures): JPEG, RGB, longest
side at most 1200 px (scaled down, never up), quality 85, EXIF orientation applied, EXIF /
XMP / comments dropped, transparency flattened onto white, first frame of an animation.

An input that already is a baseline-ready JPEG (RGB, within the size, no EXIF or other
photo metadata, not truncated) is stored byte for byte: decoding and re-encoding it would
cost time and lose quality for nothing. Everything else is decoded once and encoded once.
The pixel count is checked from the header, before anything is decoded, so a decompression
bomb never reaches the decoder.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# What Pillow may open: the web's raster formats. Anything else is "not an image" here.
ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")  # JPEG covers MPO
# info keys of a JPEG that carry photo metadata (camera, GPS, editing history, comments).
METADATA_KEYS = frozenset({"exif", "xmp", "comment", "photoshop", "mp", "mpoffset"})


@dataclass(frozen=True)
class Spec:
    """The stored image's spec. Changing it changes what a given source hash stores, so a
    new spec needs a new key namespace (see docs/media.md)."""

    max_side: int = 1200
    quality: int = 85
    max_images: int = 20
    background: tuple[int, int, int] = (255, 255, 255)
    content_type: str = "image/jpeg"
    extension: str = "jpg"


SPEC = Spec()


class ImageRejected(Exception):
    """The bytes are not an image we can store; ``str()`` says why."""


@dataclass(frozen=True)
class Converted:
    data: bytes
    width: int
    height: int
    passthrough: bool  # True when the input was stored unchanged
    format: str = "JPEG"


def image_convert(data: bytes, *, max_pixels: int, spec: Spec = SPEC) -> Converted:
    """``data`` as a spec-conforming JPEG. ``ImageRejected`` when it is not an image, has
    more than ``max_pixels`` pixels, or cannot be decoded."""
    try:
        with warnings.catch_warnings():
            # Our own limit below is the guard; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as exc:
        raise ImageRejected(f"too many pixels (decompression bomb guard): {exc}") from None
    except UnidentifiedImageError:
        raise ImageRejected(
            "not an image: the bytes are not JPEG, PNG, GIF, WebP, BMP or TIFF"
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRejected(f"unreadable image header: {exc}") from None
    with im:
        width, height = im.size
        if width < 1 or height < 1:
            raise ImageRejected(f"image has no pixels ({width}x{height})")
        if width * height > max_pixels:
            raise ImageRejected(
                f"image is {width}x{height} = {width * height:,} pixels, over the limit of "
                f"{max_pixels:,} (YOOINI_MEDIA_MAX_PIXELS)"
            )
        if _already_conforms(im, data, spec):
            return Converted(data=data, width=width, height=height, passthrough=True)
        try:
            return _reencode(im, spec)
        except Image.DecompressionBombError as exc:
            raise ImageRejected(f"too many pixels (decompression bomb guard): {exc}") from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageRejected(f"image data is truncated or corrupt: {exc}") from None


def _already_conforms(im: Image.Image, data: bytes, spec: Spec) -> bool:
    return (
        im.format == "JPEG"
        and im.mode == "RGB"
        and max(im.size) <= spec.max_side
        and not METADATA_KEYS.intersection(im.info)
        # A JPEG ends with EOI; without it the file was cut short.
        and data.rstrip(b"\0").endswith(b"\xff\xd9")
    )


def _reencode(im: Image.Image, spec: Spec) -> Converted:
    icc_profile = im.info.get("icc_profile")
    if im.format == "JPEG":
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the target is that much smaller.
        im.draft("RGB", (spec.max_side, spec.max_side))
    im.load()
    out = ImageOps.exif_transpose(im)
    out = _flatten(out, spec.background)
    if max(out.size) > spec.max_side:
        out.thumbnail((spec.max_side, spec.max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    buffer = io.BytesIO()
    options = {"quality": spec.quality, "optimize": True}
    if icc_profile and out.mode == "RGB":
        # The colour profile is colour data, not metadata: without it the colours shift.
        options["icc_profile"] = icc_profile
    out.save(buffer, format="JPEG", **options)
    return Converted(data=buffer.getvalue(), width=out.width, height=out.height, passthrough=False)


def _flatten(im: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """RGB, with any transparency composited onto ``background``."""
    has_alpha = im.mode in ("RGBA", "LA", "La", "RGBa", "PA") or (
        im.mode == "P" and "transparency" in im.info
    )
    if has_alpha:
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode == "RGB":
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and float greyscale: scale to 8 bits before colour conversion.
        im = im.point(lambda value: value / 256).convert("L")
    return im.convert("RGB")
