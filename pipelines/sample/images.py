"""Product photos for the sample mall: a JPEG per image id, the same bytes every time.

The image stage downloads, hashes, de-duplicates and resizes what the pages link to, so the
photos must be real JPEGs of a real size (800 x 800 like okmall's), differ from id to id and
never change for one id (a hash of the bytes is how a shared photo is recognised). Each is a
few coloured shapes and its id as text, colours drawn from the id. Encoding takes a few
milliseconds; the bytes are cached so a server under load does not encode one photo twice.
"""

from __future__ import annotations

import io
import random
import zlib
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

SIZE = 800
QUALITY = 80


@lru_cache(maxsize=2048)
def image_bytes(image_id: str, size: int = SIZE) -> bytes:
    """The JPEG for ``image_id``, ``size`` x ``size`` pixels."""
    rng = random.Random(zlib.crc32(image_id.encode("utf-8")))
    background = _colour(rng, light=True)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    for _ in range(3):
        x0, y0 = rng.randrange(0, size * 3 // 4), rng.randrange(0, size * 3 // 4)
        x1, y1 = x0 + rng.randrange(size // 8, size // 2), y0 + rng.randrange(size // 8, size // 2)
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x0, y0, x1, y1), fill=_colour(rng, light=False))
    draw.text((size // 20, size - size // 8), image_id, fill=(20, 20, 20), font=_font(size // 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY)
    return out.getvalue()


@lru_cache(maxsize=8)
def _font(points: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=points)
    except (TypeError, OSError):  # no FreeType: the small bitmap font
        return ImageFont.load_default()


def _colour(rng: random.Random, *, light: bool) -> tuple[int, int, int]:
    low, high = (170, 250) if light else (20, 200)
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))
