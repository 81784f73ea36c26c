from __future__ import annotations

import io

import pytest
from PIL import Image

from media.convert import SPEC, ImageRejected, image_convert

from .image_server import jpeg, jpeg_with_exif_orientation, png_alpha, png_header_bomb

LIMIT = 40_000_000


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def test_a_small_clean_jpeg_is_stored_byte_for_byte():
    data = jpeg(300, 200)
    out = image_convert(data, max_pixels=LIMIT)
    assert out.passthrough is True
    assert out.data == data
    assert (out.width, out.height) == (300, 200)


def test_a_large_jpeg_is_scaled_down_to_the_longest_side_and_keeps_its_aspect():
    out = image_convert(jpeg(3000, 2000), max_pixels=LIMIT)
    im = _open(out.data)
    assert im.format == "JPEG" and im.mode == "RGB"
    assert im.size == (out.width, out.height) == (SPEC.max_side, 800)
    assert out.passthrough is False


def test_a_portrait_image_is_bounded_by_its_height():
    out = image_convert(jpeg(900, 2400), max_pixels=LIMIT)
    assert (out.width, out.height) == (450, 1200)


def test_a_small_image_is_never_upscaled():
    buffer = io.BytesIO()
    Image.new("RGB", (50, 40), (1, 2, 3)).save(buffer, "PNG")
    out = image_convert(buffer.getvalue(), max_pixels=LIMIT)
    assert (out.width, out.height) == (50, 40)
    assert _open(out.data).format == "JPEG"


def test_transparency_is_flattened_onto_white():
    out = image_convert(png_alpha(40, 30), max_pixels=LIMIT)
    im = _open(out.data)
    assert im.mode == "RGB"
    left = im.getpixel((5, 15))
    right = im.getpixel((35, 15))
    assert left[2] > 200 and left[0] < 60  # the opaque blue half stays blue
    assert min(right) > 240  # the transparent half becomes white, not black


def test_exif_orientation_is_applied_and_metadata_is_dropped():
    data = jpeg_with_exif_orientation(60, 20, orientation=6)
    assert b"SecretCam" in data
    out = image_convert(data, max_pixels=LIMIT)
    assert (out.width, out.height) == (20, 60)  # rotated upright
    assert b"SecretCam" not in out.data
    assert not _open(out.data).getexif()


def test_a_jpeg_with_metadata_is_re_encoded_even_when_small():
    exif = Image.Exif()
    exif[0x8825] = {0x0002: (37.0, 33.0, 0.0)}  # GPS latitude
    data = jpeg(100, 100, exif=exif.tobytes())
    out = image_convert(data, max_pixels=LIMIT)
    assert out.passthrough is False
    assert "exif" not in _open(out.data).info


def test_cmyk_and_greyscale_become_rgb():
    for mode, color in (("CMYK", (0, 255, 255, 0)), ("L", 128)):
        buffer = io.BytesIO()
        Image.new(mode, (30, 30), color).save(buffer, "JPEG")
        out = image_convert(buffer.getvalue(), max_pixels=LIMIT)
        assert _open(out.data).mode == "RGB", mode


def test_gif_keeps_its_first_frame():
    frames = [Image.new("P", (20, 20), i) for i in (1, 2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    out = image_convert(buffer.getvalue(), max_pixels=LIMIT)
    assert (out.width, out.height) == (20, 20)


def test_too_many_pixels_is_refused_from_the_header_alone():
    bomb = png_header_bomb(10_000, 9_000)  # 90 Mpx claimed, ~1 KB sent
    assert len(bomb) < 2_000
    with pytest.raises(
        ImageRejected, match=r"10000x9000 = 90,000,000 pixels.*YOOINI_MEDIA_MAX_PIXELS"
    ):
        image_convert(bomb, max_pixels=LIMIT)
    # So large that Pillow's own guard fires on open: still a clear refusal.
    with pytest.raises(ImageRejected, match="too many pixels"):
        image_convert(png_header_bomb(100_000, 100_000), max_pixels=LIMIT)


def test_the_pixel_limit_applies_to_real_images_too():
    with pytest.raises(ImageRejected, match="1,200,000 pixels"):
        image_convert(jpeg(1200, 1000), max_pixels=1_000_000)


@pytest.mark.parametrize(
    "data",
    [b"<html><body>not found</body></html>", b"", b"GIF89a", b"%PDF-1.7\n" + b"x" * 100],
)
def test_what_is_not_an_image_is_refused(data):
    with pytest.raises(ImageRejected, match="not an image|unreadable"):
        image_convert(data, max_pixels=LIMIT)


def test_a_truncated_image_is_refused():
    data = jpeg(800, 600, color=(10, 20, 30))
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 64).convert("RGB").save(buffer, "PNG")
    cut = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    with pytest.raises(ImageRejected, match="truncated or corrupt"):
        image_convert(cut, max_pixels=LIMIT)
    # A JPEG cut short loses its end marker, so it is not passed through either.
    assert image_convert(data, max_pixels=LIMIT).passthrough
    with pytest.raises(ImageRejected):
        image_convert(data[: len(data) // 2], max_pixels=LIMIT)


def test_webp_becomes_jpeg():
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 128, 0, 255)).save(buffer, "WEBP")
    out = image_convert(buffer.getvalue(), max_pixels=LIMIT)
    im = _open(out.data)
    assert (im.format, im.mode, im.size) == ("JPEG", "RGB", (30, 20))
