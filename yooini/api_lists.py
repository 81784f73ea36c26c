"""The API's list endpoints: paged (``yooini.api_paging``), filtered by query parameters that
a serializer checks before anything is read (400 naming the parameter)."""

from __future__ import annotations

from rest_framework import generics, serializers


class FilteredListView(generics.ListAPIView):
    query_serializer: type[serializers.Serializer]

    def query(self) -> dict:
        given = self.query_serializer(data=self.request.query_params)
        given.is_valid(raise_exception=True)
        return given.validated_data
