from django.urls import path

from . import views_products

urlpatterns = [
    path("products/", views_products.product_list, name="products"),
    path(
        "products/export.csv",
        views_products.product_export,
        {"extension": "csv"},
        name="products_csv",
    ),
    path(
        "products/export.xlsx",
        views_products.product_export,
        {"extension": "xlsx"},
        name="products_xlsx",
    ),
    path("products/actions/", views_products.product_action, name="product_action"),
]
