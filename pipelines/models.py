"""What the commerce pipelines know about each product, and about it on each market account,
between their stages.

One ``PipelineProduct`` per supplier product (``supplier``, ``source_id``: the key of its
SourceData record) holds what is true of the product on every market: its facts and its
stored images. One ``MarketProduct`` per product and market account holds what the stages did
for it there: the market's draft, its translation, its price in the market's currency and the
listing content last published. Each stage reads the rows of its partition, does its work only
where its input changed (the ``*_hash`` columns remember the input of the last successful
pass) and writes its result back in bulk. That is what makes a rerun cheap and change nothing,
and a partial run touch only what moved: the stages never trust that a previous stage ran in
the same batch. Market-specific data (BUYMA's ids, Coupang's notices) lives in the draft,
shaped by that market's preparer.
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
    # The SourceData version and content hash the last CONVERT pass read, and what it made of
    # them: the market-neutral facts (``markets.contract.ProductFacts``; None when the record
    # cannot be read as a product).
    source_version = models.PositiveIntegerField(default=0)
    convert_hash = models.CharField(max_length=64, blank=True, default="")
    facts = models.JSONField(null=True, blank=True)
    image_hash = models.CharField(max_length=64, blank=True, default="")
    # Storage keys of the stored images, in order (public URLs are made when listing).
    images = models.JSONField(default=list, blank=True)
    # Per stage, the last error for this product ("" when the stage went well).
    errors = models.JSONField(default=dict, blank=True)
    # The last stock reading of inventory_sync: {"available", "quantity", "price", "since"}.
    stock = models.JSONField(null=True, blank=True)
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


class MarketProduct(models.Model):
    """One product on one market account: what each stage last did for it there."""

    product = models.ForeignKey(PipelineProduct, on_delete=models.CASCADE, related_name="markets")
    account = models.ForeignKey(
        "markets.MarketAccount", on_delete=models.CASCADE, related_name="products"
    )
    # The facts (and source) hash the last PREPARE read; the market's draft made from it.
    prepare_hash = models.CharField(max_length=64, blank=True, default="")
    draft = models.JSONField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)
    # The draft's texts in the market's language, in the preparer's order ([] when the draft is
    # already in it; None until translated).
    translate_hash = models.CharField(max_length=64, blank=True, default="")
    texts = models.JSONField(null=True, blank=True)
    needs_human = models.BooleanField(default=False)
    price = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    price_decision = models.JSONField(null=True, blank=True)
    # The listing content last published without error (partial runs skip an equal one).
    register_hash = models.CharField(max_length=64, blank=True, default="")
    # The seller took the listing off sale by hand: every run keeps it suspended until they
    # resume it (the product page's bulk actions).
    held = models.BooleanField(default=False)
    # What the listing was last published with, as inventory_sync compares it: {"sold_out",
    # "cost_krw"} (None: not known yet). Only a product whose values moved is sent again.
    inventory = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "yooini_pipeline_market_product"
        constraints = [
            models.UniqueConstraint(fields=["product", "account"], name="market_product_once"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.account_id}"
