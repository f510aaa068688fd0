from django.urls import path

from sharing import api

app_name = "sharing-api"

urlpatterns = [
    path("agreements/", api.AgreementListView.as_view(), name="agreements"),
    path(
        "agreements/<str:pk>/dataset.csv",
        api.DatasetView.as_view(),
        {"fmt": "csv"},
        name="dataset-csv",
    ),
    path(
        "agreements/<str:pk>/dataset.jsonl",
        api.DatasetView.as_view(),
        {"fmt": "jsonl"},
        name="dataset-jsonl",
    ),
]
