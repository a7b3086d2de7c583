"""Opportunity notes can mention a teammate (@e-mail), who sees it on their dashboard (issue 15, item 7)."""

import pytest
from django.core.exceptions import ValidationError

from plans import services
from plans.models import NoteMention, OpportunityNote
from tests.plans.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def test_a_mention_reaches_the_teammates_dashboard_until_seen(manager_a, executive_a, manager_b, make_member):
    opportunity = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant), name="Fleet telematics")
    url = manager_a.url(f"plans/opportunities/{opportunity.pk}/notes/")
    local = executive_a.user.email.split("@")[0]
    bad = manager_a.client.post(url, {"body": "Ask @nobody.here about the CFO"})
    assert "“@nobody.here” names no one in this team" in bad.content.decode()
    outsider = manager_b.user.email  # a member of another tenant is no teammate
    assert "names no one in this team" in manager_a.client.post(url, {"body": f"cc @{outsider}"}).content.decode()
    with manager_a.scope():
        assert not OpportunityNote.objects.exists()
    done = manager_a.client.post(
        url, {"body": f"@{local}, their CFO signs above 250k; can you call her? (@{manager_a.user.email})"}
    )
    assert done.status_code in (200, 302)
    with manager_a.scope():
        [mention] = NoteMention.objects.all()
        assert mention.user == executive_a.user  # the author's own mention is no notification
    dashboard = executive_a.client.get(executive_a.url("")).content.decode()
    assert "You were mentioned" in dashboard and "Fleet telematics" in dashboard and "their CFO signs" in dashboard
    assert "You were mentioned" not in manager_a.client.get(manager_a.url("")).content.decode()
    assert executive_a.client.post(executive_a.url("plans/mentions/seen/")).status_code == 302
    assert "You were mentioned" not in executive_a.client.get(executive_a.url("")).content.decode()


def test_an_ambiguous_mention_asks_for_the_whole_email(manager_a, make_member):
    make_member(manager_a.tenant, email="kim@north.example")
    make_member(manager_a.tenant, email="kim@south.example")
    opportunity = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        with pytest.raises(ValidationError) as caught:
            services.opportunity_note_add(opportunity=opportunity, author=manager_a.user, body="Over to @kim")
        assert "could be kim@north.example, kim@south.example" in caught.value.message_dict["body"][0]
        note = services.opportunity_note_add(
            opportunity=opportunity, author=manager_a.user, body="Over to @kim@south.example."
        )
        assert [m.user.email for m in note.mentions.all()] == ["kim@south.example"]
