"""The daily market report: one per ``market_management`` batch, one section per market account.

Each account's stages (prices, stock, sales) fill their part of its section; the account's
last stage marks the section finished, and the one that finishes the last section makes the
consolidated summary (``reports.services.section_finish``).
"""

from __future__ import annotations

from django.db import models

from markets.models import MarketAccount


class DailyReport(models.Model):
    batch_id = models.CharField(max_length=32, unique=True)
    day = models.DateField()
    accounts_expected = models.PositiveIntegerField()
    # Filled when every expected section is finished: totals and one line per account.
    summary = models.JSONField(default=dict, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    # The cell that finished the last section: only it announces the report (once).
    finished_by = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_daily_report"
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"report {self.day} ({self.batch_id})"

    @property
    def ready(self) -> bool:
        return self.ready_at is not None


class ReportSection(models.Model):
    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="sections")
    account = models.ForeignKey(MarketAccount, on_delete=models.CASCADE, related_name="+")
    prices = models.JSONField(default=dict, blank=True)
    stock = models.JSONField(default=dict, blank=True)
    sales = models.JSONField(default=dict, blank=True)
    finished = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_report_section"
        ordering = ["account__name"]
        constraints = [
            models.UniqueConstraint(fields=["report", "account"], name="report_section_once")
        ]
