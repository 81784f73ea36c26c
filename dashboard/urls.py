"""The dashboard's pages: runs (overview, batches, grid, trigger, events), products, orders,
daily reports and data/config."""

from . import urls_config, urls_data, urls_orders, urls_products, urls_reports, urls_runs

app_name = "dashboard"
urlpatterns = (
    urls_runs.urlpatterns
    + urls_products.urlpatterns
    + urls_orders.urlpatterns
    + urls_reports.urlpatterns
    + urls_data.urlpatterns
    + urls_config.urlpatterns
)
