import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hierarchy.models import Assessment, HierarchyAlert, Relationship, Source, SurveyInvitation
from tests.conftest import api_client_for
from tests.hierarchy.factories import AccountFactory, ContactFactory, assess, make_relationship

pytestmark = pytest.mark.django_db
BASE = "/api/v1/hierarchy/"


@pytest.fixture
def account(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Orbit Airlines", potential_level=4)


@pytest.fixture
def contact(account):
    return ContactFactory(account=account, full_name="Dana Director", email="dana@orbit.example")


@pytest.fixture
def rel(contact, manager_a):
    return make_relationship(user=manager_a.user, contact=contact)


def test_create_and_list_relationships(manager_a, contact, account, make_member):
    colleague = make_member(manager_a.tenant)
    api = api_client_for(manager_a)
    response = api.post(
        BASE + "relationships/",
        {"contact": contact.pk, "user": colleague.user.pk, "owner": manager_a.user.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["account"], body["contact"], body["user"], body["owner"], body["self_level"]) == (
        account.pk,
        contact.pk,
        colleague.user.pk,
        manager_a.user.pk,
        None,
    )
    again = api.post(BASE + "relationships/", {"contact": contact.pk, "user": colleague.user.pk}, format="json")
    assert again.status_code == 400 and "already has a relationship" in again.json()["contact"][0]
    listed = api.get(BASE + "relationships/", {"account": account.pk}).json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]


def test_relationship_payload_pointing_at_another_tenant_is_rejected_like_a_missing_id(manager_a, manager_b, contact):
    theirs = ContactFactory(account=AccountFactory(tenant=manager_b.tenant))
    api = api_client_for(manager_a)
    other = api.post(BASE + "relationships/", {"contact": theirs.pk, "user": manager_a.user.pk}, format="json")
    missing = api.post(BASE + "relationships/", {"contact": 2_000_000_000, "user": manager_a.user.pk}, format="json")
    assert other.status_code == missing.status_code == 400
    assert other.json()["contact"][0].replace(str(theirs.pk), "N") == missing.json()["contact"][0].replace(
        "2000000000", "N"
    )
    stranger = api.post(BASE + "relationships/", {"contact": contact.pk, "user": manager_b.user.pk}, format="json")
    nobody = api.post(BASE + "relationships/", {"contact": contact.pk, "user": 2_000_000_000}, format="json")
    assert stranger.status_code == nobody.status_code == 400
    assert stranger.json()["user"][0].replace(str(manager_b.user.pk), "N") == nobody.json()["user"][0].replace(
        "2000000000", "N"
    )
    with manager_a.scope():
        assert Relationship.objects.count() == 0


def test_only_the_owner_of_a_relationship_can_change(manager_a, rel, make_member):
    colleague = make_member(manager_a.tenant)
    api = api_client_for(manager_a)
    url = f"{BASE}relationships/{rel.pk}/"
    assert api.patch(url, {"owner": colleague.user.pk}, format="json").json()["owner"] == colleague.user.pk
    refused = api.patch(url, {"contact": 1}, format="json")
    assert refused.status_code == 400 and refused.json() == {
        "contact": "Only the owner of a relationship can be changed."
    }
    assert api.delete(url).status_code == 405
    assert api.put(url, {"owner": manager_a.user.pk}, format="json").status_code == 405


def test_assessments_are_created_and_listed_but_never_changed(manager_a, rel):
    api = api_client_for(manager_a)
    created = api.post(
        BASE + "assessments/", {"relationship": rel.pk, "level": 3, "evidence": "They call us first."}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["level"], body["source"], body["assessed_by"], body["account"]) == (
        3,
        "self",
        manager_a.user.pk,
        rel.account_id,
    )
    url = f"{BASE}assessments/{body['id']}/"
    assert api.get(url).json()["evidence"] == "They call us first."
    for method in ("put", "patch", "delete"):
        assert getattr(api, method)(url, {"level": 5}, format="json").status_code == 405, method
    listed = api.get(BASE + "assessments/", {"relationship": rel.pk}).json()
    assert [a["id"] for a in listed["results"]] == [body["id"]]
    with manager_a.scope():
        assert list(Assessment.objects.values_list("level", flat=True)) == [3]


@pytest.mark.parametrize(
    "payload, field, message",
    [
        ({"level": 3, "evidence": ""}, "evidence", "This field may not be blank."),
        ({"level": 3}, "evidence", "This field is required."),
        ({"level": 6, "evidence": "x"}, "level", "Choose a level from 1 to 5 of the Buy-Sell Hierarchy."),
        (
            {"level": 2, "evidence": "x", "assessed_at": "2999-01-01T00:00:00Z"},
            "assessed_at",
            "An assessment cannot be dated in the future.",
        ),
        (
            {"level": 2, "evidence": "x", "assessed_at": "1900-03-01T00:00:00Z"},
            "assessed_at",
            "An assessment cannot be dated before 1 January 2000: check the year of assessed_at.",
        ),
        (
            {"level": 2, "evidence": "x", "assessed_at": "1999-12-31T23:59:59Z"},
            "assessed_at",
            "An assessment cannot be dated before 1 January 2000: check the year of assessed_at.",
        ),
    ],
)
def test_bad_assessments_are_refused_with_a_clear_message(manager_a, rel, payload, field, message):
    """Nothing recorded, and the message names the problem (dates: not in the future, not before 2000)."""
    response = api_client_for(manager_a).post(BASE + "assessments/", {"relationship": rel.pk, **payload}, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    with manager_a.scope():
        assert Assessment.objects.count() == 0


def test_an_assessment_dated_on_the_first_day_of_2000_is_accepted(manager_a, rel):
    response = api_client_for(manager_a).post(
        BASE + "assessments/",
        {"relationship": rel.pk, "level": 2, "evidence": "Old notes.", "assessed_at": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_customer_survey_source_cannot_be_posted(manager_a, rel):
    response = api_client_for(manager_a).post(
        BASE + "assessments/",
        {"relationship": rel.pk, "level": 5, "evidence": "trust me", "source": "customer_survey"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["source"] == Source.SELF  # read-only field ignored


def test_readers_cannot_write(viewer_a, rel):
    api = api_client_for(viewer_a)
    assert api.get(BASE + "assessments/").status_code == 200
    assert (
        api.post(
            BASE + "assessments/", {"relationship": rel.pk, "level": 2, "evidence": "x"}, format="json"
        ).status_code
        == 403
    )


def test_assessment_for_another_tenants_relationship_is_rejected(manager_a, manager_b):
    theirs = make_relationship(
        user=manager_b.user, contact=ContactFactory(account=AccountFactory(tenant=manager_b.tenant))
    )
    response = api_client_for(manager_a).post(
        BASE + "assessments/", {"relationship": theirs.pk, "level": 2, "evidence": "x"}, format="json"
    )
    assert response.status_code == 400 and "does not exist" in response.json()["relationship"][0]
    with manager_b.scope():
        assert Assessment.objects.count() == 0


def test_survey_invitation_is_mailed_and_the_link_is_not_returned(manager_a, rel, django_capture_on_commit_callbacks):
    api = api_client_for(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(BASE + "survey-invitations/", {"relationship": rel.pk, "valid_days": 7}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["email"], body["status"], body["sent_by"]) == ("dana@orbit.example", "open", manager_a.user.pk)
    assert "/survey/" not in response.content.decode()
    assert len(mail.outbox) == 1 and "/survey/" in mail.outbox[0].body
    revoked = api.post(f"{BASE}survey-invitations/{body['id']}/revoke/")
    assert revoked.json()["status"] == "revoked"


def test_survey_invitation_refuses_any_address_but_the_contacts_own(
    manager_a, rel, account, django_capture_on_commit_callbacks
):
    api = api_client_for(manager_a)
    response = api.post(
        BASE + "survey-invitations/", {"relationship": rel.pk, "email": "me@our-company.example"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["email"] == [
        "Survey links only go to Dana Director's own e-mail address (dana@orbit.example), so the answer comes from "
        "them. If that address is wrong, correct it on the contact first."
    ]
    nomail = make_relationship(user=manager_a.user, contact=ContactFactory(account=account, email="", full_name="Nora"))
    response = api.post(BASE + "survey-invitations/", {"relationship": nomail.pk}, format="json")
    assert response.status_code == 400 and response.json()["email"][0].startswith(
        "Nora has no e-mail address. Add it on the contact first"
    )
    with manager_a.scope():
        assert SurveyInvitation.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        same = api.post(
            BASE + "survey-invitations/", {"relationship": rel.pk, "email": "Dana@Orbit.example"}, format="json"
        )
    assert same.status_code == 201 and mail.outbox[-1].to == ["dana@orbit.example"]


def test_rollups_set_based_and_per_account(manager_a, account, rel, make_member):
    assess(rel, 3)
    assess(rel, 2, source=Source.CUSTOMER_SURVEY)
    api = api_client_for(manager_a)
    one = api.get(f"{BASE}rollups/{account.pk}/").json()
    assert (one["current_level"], one["highest"], one["gap_average"], one["potential_gap"], one["contacts"]) == (
        2,
        2,
        1.0,
        2,
        1,
    )
    with CaptureQueriesContext(connection) as few:
        assert api.get(BASE + "rollups/").status_code == 200
    for _ in range(4):
        other = AccountFactory(tenant=manager_a.tenant)
        assess(make_relationship(user=manager_a.user, contact=ContactFactory(account=other)), 4)
    with CaptureQueriesContext(connection) as many:
        listed = api.get(BASE + "rollups/").json()
    assert listed["count"] == 5 and len(many) == len(few)
    assert api.get(f"{BASE}rollups/", {"current_level": 4}).json()["count"] == 4


def test_alerts_list_and_acknowledge(manager_a, viewer_a, rel):
    assess(rel, 4)
    assess(rel, 1)
    with manager_a.scope():
        alert = HierarchyAlert.objects.get()
    assert api_client_for(viewer_a).post(f"{BASE}alerts/{alert.pk}/acknowledge/").status_code == 403
    api = api_client_for(manager_a)
    assert [a["id"] for a in api.get(BASE + "alerts/", {"open": "1"}).json()["results"]] == [alert.pk]
    assert api.post(f"{BASE}alerts/{alert.pk}/acknowledge/").json()["acknowledged_by"] == manager_a.user.pk
    assert api.get(BASE + "alerts/", {"open": "1"}).json()["results"] == []
    assert api.post(f"{BASE}alerts/{alert.pk}/acknowledge/").status_code == 400


def test_models_list_seeds_defaults(viewer_a):
    body = api_client_for(viewer_a).get(BASE + "models/").json()
    assert [(m["kind"], m["is_active"], len(m["levels"])) for m in body] == [("buy_sell", True, 5), ("needs", False, 6)]
    assert body[0]["levels"][0]["climb_playbook"][0].startswith("USP analysis")
