from django.urls import path

from sharing import api

app_name = "sharing-api"

urlpatterns = [
    path("agreements/", api.AgreementListView.as_view(), name="agreements"),
    path(
        "agreements/<str:pk>/dataset.csv",
        api.CsvDatasetView.as_view(),
        name="dataset-csv",
    ),
    path(
        "agreements/<str:pk>/dataset.jsonl",
        api.JsonLinesDatasetView.as_view(),
        name="dataset-jsonl",
    ),
]
