"""/api/: the child record's API, its OpenAPI schema (schema/) and its docs (docs/).

children/ lists the children the user may see, children/<id>/ is one child's record at a
glance, schools/ the schools reference table. Section endpoints are generated from
records.sections.TABS: for each section of each tab, children/<id>/<tab>/<section>/ (list,
add) and children/<id>/<tab>/<section>/<item>/ (read, change), named "<tab>-<section>-list"
and "<tab>-<section>-item". The PEP tab, which has no sections, has its read-only endpoints
children/<id>/pep/plans/ and children/<id>/pep/plans/<plan>/ (records/api/pep_views.py).
Anything else under a child is a logged 404.
"""

from django.urls import path

from records.api import docs, pep_views, section_views, views
from records.sections import TABS

app_name = "api"


def _section_urls() -> list:
    urls = []
    for tab in TABS:
        for section in tab.sections:
            list_view, item_view = section_views.section_views(tab, section)
            base = f"children/<uuid:pk>/{tab.slug}/{section.slug}/"
            urls += [
                path(base, list_view.as_view(), name=f"{tab.slug}-{section.slug}-list"),
                path(
                    f"{base}<str:item>/",
                    item_view.as_view(),
                    name=f"{tab.slug}-{section.slug}-item",
                ),
            ]
    return urls


urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("children/", views.ChildListView.as_view(), name="child-list"),
    path("children/<uuid:pk>/", views.ChildDetailView.as_view(), name="child-detail"),
    path("schools/", views.SchoolListView.as_view(), name="school-list"),
    *_section_urls(),
    path("children/<uuid:pk>/pep/plans/", pep_views.PepListView.as_view(), name="pep-plan-list"),
    path(
        "children/<uuid:pk>/pep/plans/<int:plan>/",
        pep_views.PepDetailView.as_view(),
        name="pep-plan-item",
    ),
    path("children/<uuid:pk>/<path:rest>", views.NoSuchRouteView.as_view(), name="no-such-route"),
]
