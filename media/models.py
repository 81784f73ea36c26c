"""Stored images, the source URLs they came from, and which product shows which image where.

Three tables, each keyed so that every write can be a conditional bulk insert that two
workers may race on, and that a process killed between any two of them can simply redo:

- ``Image``: one stored file. ``content_hash`` is the sha256 of the bytes as downloaded
  (not of the converted file): it is known before any decoding, so a download whose bytes we
  already have costs no Pillow work at all, and it names the file
  (``images/ab/cd/<hash>.jpg``), so a re-run after a crash writes the same key again. The
  conversion is deterministic, so one source hash always means one stored file.
- ``ImageSource``: the source-URL index. A URL that was downloaded once, for any owner, maps
  to its image; attaching the same URL to another product costs no download. ``url_hash``
  (sha256 of the URL) is the unique key because URLs are longer than MariaDB can index.
- ``ProductImage``: the image at ``position`` (1 = main image) of ``owner`` (a product key
  such as ``okmall:814101``), or the ``error`` that kept it from being stored.
"""

from __future__ import annotations

from django.db import models

OWNER_MAX = 200


class Image(models.Model):
    """One stored image file, already converted to the marketplace's spec."""

    content_hash = models.CharField(max_length=64, unique=True)
    storage_key = models.CharField(max_length=200)
    size_bytes = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=10, default="JPEG")
    created_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_media_image"

    def __str__(self) -> str:
        return self.storage_key

    def __repr__(self) -> str:
        return f"<Image {self.content_hash[:12]} {self.width}x{self.height} {self.size_bytes}B>"


class ImageSource(models.Model):
    """A source URL that has been downloaded, and the image its bytes gave."""

    url_hash = models.CharField(max_length=64, unique=True)
    url = models.TextField()
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="sources")
    created_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_media_image_source"

    def __repr__(self) -> str:
        return f"<ImageSource {self.url_hash[:12]} -> image {self.image_id}>"


class ProductImage(models.Model):
    """The image at one position of one product, or why there is none."""

    owner = models.CharField(max_length=OWNER_MAX)
    position = models.PositiveIntegerField()
    source_url = models.TextField()
    image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    error = models.TextField(blank=True, default="")
    fetched_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_media_product_image"
        ordering = ("owner", "position")
        constraints = [
            models.UniqueConstraint(
                fields=("owner", "position"), name="yooini_media_product_image_owner_position"
            )
        ]

    def __repr__(self) -> str:
        state = f"image {self.image_id}" if self.image_id else "error"
        return f"<ProductImage {self.owner!r} #{self.position} {state}>"
