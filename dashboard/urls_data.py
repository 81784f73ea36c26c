from django.urls import path

from . import views_data

urlpatterns = [
    path("data/", views_data.source_data_list, name="source_data"),
    path("data/<int:pk>/", views_data.source_data_detail, name="source_data_detail"),
    path("listings/", views_data.listing_list, name="listings"),
    path("listings/<int:pk>/", views_data.listing_detail, name="listing_detail"),
]
