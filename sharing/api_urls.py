from django.urls import path

from sharing import api

app_name = "sharing-api"

urlpatterns = [
    path("agreements/", api.AgreementListView.as_view(), name="agreements"),
    path(
        "agreements/<int:pk>/dataset.csv",
        api.DatasetView.as_view(),
        {"fmt": "csv"},
        name="dataset-csv",
    ),
    path(
        "agreements/<int:pk>/dataset.jsonl",
        api.DatasetView.as_view(),
        {"fmt": "jsonl"},
        name="dataset-jsonl",
    ),
]
