"""The sharing pages: Admins only (a recipient, like everyone else, gets a 404), every error
at once in the error summary, the preview, approval by a second Admin and suspension."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import URLPattern, get_resolver, reverse

from sharing import services
from sharing.models import RecipientOrganisation, SharingAgreement
from tests.conftest import signed_in
from tests.factories import ChildFactory, EpisodeFactory
from tests.sharing.conftest import agreement_values

pytestmark = pytest.mark.django_db


def _sharing_urls(organisation, agreement) -> list[str]:
    resolver = get_resolver()
    urls = []
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) != "sharing":
            continue
        for inner in pattern.url_patterns:
            assert isinstance(inner, URLPattern)
            name = f"sharing:{inner.name}"
            kwargs = {}
            if "<int:pk>" in str(inner.pattern):
                target = organisation if "organisation" in name or "member" in name else agreement
                kwargs = {"pk": target.pk}
            if "<int:token>" in str(inner.pattern):
                kwargs["token"] = 1
            urls.append(reverse(name, kwargs=kwargs))
    return urls


@pytest.fixture
def recipient(admin_user, organisation):
    return services.recipient_user_ensure(
        organisation=organisation,
        username="youth",
        first_name="Yan",
        last_name="Lee",
        password="correct horse battery staple",
    )


def test_a_recipient_gets_404_on_every_sharing_page(recipient, organisation, draft):
    client = signed_in(recipient)
    urls = _sharing_urls(organisation, draft)
    # The eleven foundation pages, the disclosure log, the token pages (issue and revoke) and
    # extract files (the agreements to choose from, and an agreement's files).
    assert len(urls) == 16
    for url in urls:
        # Whatever the method: the page is refused before its view, so a recipient does not
        # learn even which methods it takes (virtualschool.middleware, issue 13).
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x", "name": "x"}).status_code == 404, url
    assert client.get(reverse("staff:list")).status_code == 404
    assert client.get(reverse("datamap:what-we-hold")).status_code == 404
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_every_error_at_once_in_the_summary(admin_user, organisation):
    client = signed_in(admin_user)
    response = client.post(
        reverse("sharing:agreement-add"),
        {
            "name": "Bad",
            "organisation": str(organisation.pk),
            "purpose": "P",
            "categories": [],
            "statutes": ["ea1996_s507b"],
            "legal_statuses": ["CLA"],
            "min_age": "19",
            "max_age": "13",
            "mode": "identifiable",
            "scope": "all",
            "retention_months": "12",
            "dpia_reference": "D",
            "valid_from_0": "1",
            "valid_from_1": "4",
            "valid_from_2": "2026",
            "valid_to_0": "31",
            "valid_to_1": "3",
            "valid_to_2": "2026",
            "review_date_0": "99",
            "review_date_1": "1",
            "review_date_2": "2027",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    for words in (
        "Choose the lawful basis under UK GDPR Article 6",
        "Choose at least one data category to release",
        "The end date must be the same as or after the start date",
        "The maximum age (13) must be the same as or more than the minimum age (19)",
        "Review date must be a real date",
    ):
        assert words in content, words
    assert not SharingAgreement.objects.exists()


def test_special_category_without_article_9_on_the_page(admin_user, organisation):
    client = signed_in(admin_user)
    data = {
        "name": "Health",
        "organisation": str(organisation.pk),
        "purpose": "P",
        "lawful_basis": "6_1_e",
        "categories": ["health"],
        "statutes": ["ca1989"],
        "legal_statuses": ["CLA"],
        "mode": "identifiable",
        "scope": "all",
        "retention_months": "12",
        "dpia_reference": "D",
        **{f"valid_from_{i}": v for i, v in enumerate(("1", "4", "2026"))},
        **{f"valid_to_{i}": v for i, v in enumerate(("31", "3", "2027"))},
        **{f"review_date_{i}": v for i, v in enumerate(("1", "1", "2027"))},
    }
    response = client.post(reverse("sharing:agreement-add"), data)
    assert "Choose an Article 9 condition" in response.content.decode()
    assert not SharingAgreement.objects.exists()
    response = client.post(
        reverse("sharing:agreement-add"), {**data, "article9_condition": "9_2_h"}
    )
    assert response.status_code == 302
    assert SharingAgreement.objects.get().article9_condition == "9_2_h"


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_the_detail_previews_and_only_a_second_admin_approves(draft, admin_user, admin2):
    child = ChildFactory(date_of_birth=datetime.date(2010, 1, 1))
    EpisodeFactory(child=child)
    url = reverse("sharing:agreement-detail", kwargs={"pk": draft.pk})
    page = signed_in(admin_user).get(url).content.decode()
    assert "1 child</strong> and these fields would be released today" in page
    assert "You drafted it" in page
    refused = signed_in(admin_user).post(
        reverse("sharing:agreement-approve", kwargs={"pk": draft.pk})
    )
    assert refused.status_code == 400
    assert services.OWN_APPROVAL_MESSAGE in refused.content.decode()
    draft.refresh_from_db()
    assert draft.state == "draft"
    second = signed_in(admin2)
    done = second.post(reverse("sharing:agreement-approve", kwargs={"pk": draft.pk}))
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "approved"
    suspend = reverse("sharing:agreement-suspend", kwargs={"pk": draft.pk})
    assert second.post(suspend, {"reason": ""}).status_code == 200
    assert second.post(suspend, {"reason": "Breach"}).status_code == 302
    draft.refresh_from_db()
    assert draft.state == "suspended"


def test_the_list_shows_what_is_due_for_review(admin_user, admin2, organisation):
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC), tick=False):
        agreement = services.agreement_draft(
            actor=admin_user,
            **agreement_values(organisation, review_date=datetime.date(2026, 6, 20)),
        )
        services.agreement_approve(actor=admin2, agreement=agreement)
        page = signed_in(admin_user).get(reverse("sharing:agreements")).content.decode()
    assert 'id="due-for-review"' in page
    assert agreement.name in page


def test_an_organisation_is_added_on_its_page_with_every_error_at_once(admin_user):
    client = signed_in(admin_user)
    response = client.post(
        reverse("sharing:organisation-add"),
        {"name": "", "type": "school", "identifier_kind": "urn", "identifier": "12"},
    )
    content = response.content.decode()
    for words in ("Enter the organisation", "Enter a real URN", "Enter the contact"):
        assert words in content
    response = client.post(
        reverse("sharing:organisation-add"),
        {
            "name": "Hill Primary",
            "type": "school",
            "identifier_kind": "urn",
            "identifier": "100123",
            "contact_name": "DT",
            "contact_email": "dt@example.invalid",
        },
    )
    assert response.status_code == 302


def test_another_authority_s_ons_code_is_set_on_the_organisation_page(admin_user):
    client = signed_in(admin_user)
    values = {
        "name": "Southshire",
        "type": "other_la",
        "identifier_kind": "la_code",
        "identifier": "874",
        "ons_code": "E10-3",
        "contact_name": "C",
        "contact_email": "c@example.invalid",
    }
    response = client.post(reverse("sharing:organisation-add"), values)
    assert "Enter a real ONS code" in response.content.decode()
    assert not RecipientOrganisation.objects.exists()
    response = client.post(reverse("sharing:organisation-add"), {**values, "ons_code": "E10000003"})
    assert response.status_code == 302
    organisation = RecipientOrganisation.objects.get()
    assert organisation.ons_code == "E10000003"
    page = client.get(reverse("sharing:organisation-detail", kwargs={"pk": organisation.pk}))
    assert "ONS code E10000003" in page.content.decode()


def test_a_recipient_user_is_added_on_the_organisation_page(admin_user, organisation):
    response = signed_in(admin_user).post(
        reverse("sharing:member-add", kwargs={"pk": organisation.pk}),
        {"username": "youth9", "first_name": "Y", "last_name": "Z"},
    )
    assert response.status_code == 200
    assert "set-password-link" in response.content.decode()
    assert organisation.members.get().user.username == "youth9"
