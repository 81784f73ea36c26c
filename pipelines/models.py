"""What the commerce pipelines know about each product between their stages.

One row per supplier product (``supplier``, ``source_id``: the key of its SourceData record).
Each stage reads the rows of its partition, does its work only where its input changed (the
``*_hash`` columns remember the input of the last successful pass) and writes its result back
in bulk. That is what makes a rerun cheap and change nothing, and a partial run touch only
what moved: the stages never trust that a previous stage ran in the same batch.
"""

from django.db import models


class ProductState(models.TextChoices):
    ACTIVE = "active", "active"
    # Gone from the supplier (no longer listed, page removed): sold out everywhere we list it.
    GONE = "gone", "gone"


class PipelineProduct(models.Model):
    supplier = models.CharField(max_length=50)
    source_id = models.CharField(max_length=200)
    # The brand unit that collects it (SupplierBrand.label; "" when collected whole).
    unit = models.CharField(max_length=100, blank=True, default="")
    state = models.CharField(max_length=10, choices=ProductState.choices, default="active")
    # The batch whose COLLECT last saw the product at the supplier: a full collect marks the
    # unit's products it did not see as gone (a crash and retry within the batch sees them again).
    seen_batch = models.CharField(max_length=32, blank=True, default="")
    # What a listing card shows of the product ("price|size,size"): a partial collect reads
    # the product's page again only when the card shows something else.
    card = models.CharField(max_length=500, blank=True, default="")
    # The SourceData version and content hash the last CONVERT pass read.
    source_version = models.PositiveIntegerField(default=0)
    convert_hash = models.CharField(max_length=64, blank=True, default="")
    draft = models.JSONField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)
    translate_hash = models.CharField(max_length=64, blank=True, default="")
    # Japanese texts: {"name": ..., "comments": ..., "values": {korean: japanese}}.
    texts = models.JSONField(null=True, blank=True)
    needs_human = models.BooleanField(default=False)
    image_hash = models.CharField(max_length=64, blank=True, default="")
    # Storage keys of the stored images, in order (public URLs are made when listing).
    images = models.JSONField(default=list, blank=True)
    price_jpy = models.PositiveIntegerField(null=True, blank=True)
    # The listing content last published without error (partial runs skip an equal one).
    register_hash = models.CharField(max_length=64, blank=True, default="")
    price_decision = models.JSONField(null=True, blank=True)
    # Per stage, the last error for this product ("" when the stage went well).
    errors = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "yooini_pipeline_product"
        constraints = [
            models.UniqueConstraint(fields=["supplier", "source_id"], name="pipeline_product_key"),
        ]
        indexes = [models.Index(fields=["supplier", "unit"], name="pipeline_product_unit")]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        return f"{self.supplier}:{self.source_id}"
