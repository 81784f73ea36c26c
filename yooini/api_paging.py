"""The API's paging (``DEFAULT_PAGINATION_CLASS``). It imports no view: the setting is read
while REST framework's generic views are defined."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 2**31 - 1


class Paging(LimitOffsetPagination):
    """``limit`` at most 500; ``offset`` clamped to what a database's OFFSET takes (a larger
    one is simply past the end)."""

    default_limit = 50
    max_limit = 500

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
