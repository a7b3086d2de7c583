"""Every write of the hierarchy app. What happens when an assessment is recorded: assessment_record().

Roll-up stored on accounts.Account.current_level (see account_levels_refresh): the HIGHEST effective
level among the account's relationships with contacts who are still there. A relationship's effective
level is the customer's own latest survey answer when there is one, otherwise our latest assessment.
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contact
from hierarchy import selectors, signals
from hierarchy.defaults import DEFAULT_ACTIVE_KIND, DEFAULT_MODELS
from hierarchy.models import (
    AlertKind,
    Assessment,
    HierarchyAlert,
    HierarchyLevel,
    HierarchyModel,
    HierarchyModelSwitch,
    Relationship,
    Source,
    SurveyInvitation,
    high_level_from,
)
from tenancy import shared_cache
from tenancy.audit import audit_changes, audit_record
from tenancy.context import current_tenant_id
from tenancy.members import require_members
from tenancy.models import AuditAction, Tenant

log = logging.getLogger(__name__)

SURVEY_SALT = "keystone.hierarchy.survey-invitation"
SURVEY_MAX_TOKEN_AGE = dt.timedelta(days=90)  # hard cap on any link, whatever its row says
# Older dates are typos (1900, 0202…); history imported from before then is not a hierarchy assessment.
EARLIEST_ASSESSMENT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def survey_valid_days() -> int:
    return int(getattr(settings, "HIERARCHY_SURVEY_VALID_DAYS", 14))


# --- Hierarchy models and levels ------------------------------------------------------------------


def hierarchy_defaults_ensure(*, tenant_id: int | None = None) -> HierarchyModel:
    """The tenant's active model, seeding the shipped models the first time a tenant needs them.
    Safe to call concurrently and repeatedly: it only adds what is missing."""
    tenant_id = tenant_id or current_tenant_id()
    active = HierarchyModel.objects.filter(is_active=True).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            existing = {m.kind: m for m in HierarchyModel.objects.all()}
            for spec in DEFAULT_MODELS:
                model = existing.get(spec["kind"])
                if model is None:
                    model = HierarchyModel(
                        tenant_id=tenant_id, kind=spec["kind"], name=spec["name"], description=spec["description"]
                    )
                    model.full_clean(exclude=["tenant"])
                    model.save()
                    HierarchyLevel.objects.bulk_create(
                        [
                            HierarchyLevel(tenant_id=tenant_id, model=model, number=number, **level)
                            for number, level in enumerate(spec["levels"], start=1)
                        ]
                    )
                existing[spec["kind"]] = model
            if not HierarchyModel.objects.filter(is_active=True).exists():
                HierarchyModel.objects.filter(pk=existing[DEFAULT_ACTIVE_KIND].pk).update(is_active=True)
    except IntegrityError:
        pass  # another request seeded at the same moment; its rows are as good as ours
    return HierarchyModel.objects.get(is_active=True)


@transaction.atomic
def hierarchy_model_activate(*, model: HierarchyModel, by=None) -> HierarchyModel:
    """Makes `model` the tenant's active hierarchy. Levels mean different things in different models (3 is
    "Buy-Sell: Supplier of a quality product" but "Needs: …"), so current levels start afresh: every
    relationship's self/customer level becomes its latest assessment *made under `model`* (none: empty),
    and the accounts' roll-ups follow. Assessments under the old model stay, readable in each history;
    switching back brings their levels back. Potential levels above the new model's top come down to it.
    The switch is recorded (HierarchyModelSwitch: from, to, who, when); ratings listens for that record and
    recomputes the tenant's ratings, whose level criteria scale to the new top level.
    Set-based: one UPDATE for relationships, one for accounts' levels, one for potential levels."""
    models_held = list(
        HierarchyModel.objects.select_for_update().order_by("pk")
    )  # one switch at a time, after assessments in flight
    previous = next((held for held in models_held if held.is_active and held.pk != model.pk), None)
    switched = HierarchyModel.objects.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    activated = HierarchyModel.objects.filter(pk=model.pk, is_active=False).update(is_active=True)
    model.is_active = True
    if switched or activated:
        audit_record(
            action=AuditAction.HIERARCHY_MODEL_SWITCHED, target=model, changes={"active model": (previous, model)}
        )
        relationship_levels_recompute(model=model)
        account_levels_refresh(account_ids=None)
        top = HierarchyLevel.objects.filter(model=model).count()
        Account.objects.filter(potential_level__gt=top).update(potential_level=top, updated_at=Now())
        HierarchyModelSwitch.objects.create(
            tenant_id=model.tenant_id, from_model=previous, to_model=model, switched_by=by
        )
    return model


def relationship_levels_recompute(*, model: HierarchyModel) -> int:
    """Sets every relationship's current levels (per source: the latest assessment made under `model`,
    NULL without one) in one UPDATE with correlated subqueries, through the scoped manager (so on any
    database, in the tenant's scope). Returns the rows updated."""

    def latest(source, column):
        return Subquery(
            Assessment.objects.filter(relationship_id=OuterRef("pk"), source=source, hierarchy_model=model)
            .order_by("-assessed_at", "-pk")
            .values(column)[:1]
        )

    return Relationship.objects.update(
        self_level=latest(Source.SELF, "level"),
        self_assessed_at=latest(Source.SELF, "assessed_at"),
        customer_level=latest(Source.CUSTOMER_SURVEY, "level"),
        customer_assessed_at=latest(Source.CUSTOMER_SURVEY, "assessed_at"),
        updated_at=Now(),
    )


def _active_model_held() -> HierarchyModel:
    """The active model, its row held FOR SHARE until commit: a model switch (which updates that row) waits
    for assessments in flight, and an assessment that starts during a switch sees the new model."""
    for _ in range(3):
        model = hierarchy_defaults_ensure()
        if connection.vendor != "postgresql":
            return model
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {HierarchyModel._meta.db_table} WHERE id = %s AND is_active FOR SHARE", [model.pk]
            )
            if cursor.fetchone():
                return model
    raise ValidationError("The hierarchy model is being switched right now; please try again.")


@transaction.atomic
def hierarchy_level_update(
    *,
    level: HierarchyLevel,
    name: str,
    description: str,
    signals: str = "",
    climb_playbook: str = "",
    survey_statement: str = "",
) -> HierarchyLevel:
    fields = ["name", "description", "signals", "climb_playbook", "survey_statement"]
    before = {field: getattr(level, field) for field in fields}
    level.name = name.strip()
    level.description = description.strip()
    level.signals = _clean_lines(signals)
    level.climb_playbook = _clean_lines(climb_playbook)
    level.survey_statement = survey_statement.strip()
    level.full_clean(exclude=["tenant", "model"])
    level.save(update_fields=[*fields, "updated_at"])
    changes = audit_changes(before, {field: getattr(level, field) for field in fields})
    if changes:
        audit_record(
            action=AuditAction.HIERARCHY_LEVEL_EDITED,
            target=level,
            target_label=f"{level.model.name}: level {level.number} {level.name}",
            changes=changes,
        )
    return level


def _clean_lines(text: str) -> str:
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


# --- Relationships --------------------------------------------------------------------------------


def _require_member(user, field: str) -> None:
    if user is None:
        raise ValidationError({field: "Choose someone who is a member of this tenant."})
    require_members([user], field)


@transaction.atomic
def relationship_create(*, user, contact: Contact, owner=None) -> Relationship:
    """Our `user` ↔ their `contact`. The owner (accountable for developing it) defaults to the user."""
    _require_member(user, "user")
    owner = owner or user
    _require_member(owner, "owner")
    if not contact.is_active:
        raise ValidationError(
            {
                "contact": f"{contact.full_name} has left {contact.account}; "
                "relationships are for people who are still there."
            }
        )
    if Relationship.objects.filter(user=user, contact=contact).exists():
        raise ValidationError({"contact": f"{user} already has a relationship with {contact.full_name}."})
    relationship = Relationship(
        tenant_id=current_tenant_id(), account_id=contact.account_id, user=user, contact=contact, owner=owner
    )
    # The user and owner were checked as members above and the account is the contact's: no existence query
    # for them (the contact's stays: it proves the contact is this tenant's). The one constraint (one
    # relationship per pair) is checked above and again by the table (the IntegrityError below).
    relationship.full_clean(exclude=["tenant", "account", "user", "owner"], validate_constraints=False)
    try:
        with transaction.atomic():
            relationship.save()
    except IntegrityError:
        raise ValidationError({"contact": f"{user} already has a relationship with {contact.full_name}."}) from None
    _distribution_changed()
    return relationship


@transaction.atomic
def relationship_set_owner(*, relationship: Relationship, owner) -> Relationship:
    _require_member(owner, "owner")
    relationship.owner = owner
    relationship.save(update_fields=["owner", "updated_at"])
    return relationship


# --- Assessments (append-only) --------------------------------------------------------------------


def assessment_record(
    *,
    relationship: Relationship,
    level: int,
    evidence: str,
    assessed_by=None,
    source: str = Source.SELF,
    assessed_at: dt.datetime | None = None,
) -> Assessment:
    """Appends an assessment. It becomes the relationship's current level for its source when it is the
    latest of that source; a fall raises an alert; the account's stored roll-up level is refreshed.
    Nothing existing is changed: corrections are new assessments. It is made under the active model."""
    entry = {
        "level": level,
        "evidence": evidence,
        "assessed_by": assessed_by,
        "source": source,
        "assessed_at": assessed_at,
    }
    return assessments_record(relationship=relationship, entries=[entry])[0]


@transaction.atomic
def assessments_record(*, relationship: Relationship, entries: list[dict]) -> list[Assessment]:
    """Appends several assessments to one relationship, in the order given, each as assessment_record
    says (a history at once, as the demo writes 18 months of it): the active model is held, the
    relationship locked and the account's roll-up refreshed once for all of them. `entries`: dicts of
    assessment_record's keywords but the relationship. All or nothing: the first refused entry refuses all."""
    model = _active_model_held()
    levels = HierarchyLevel.objects.filter(model=model).count()
    now = timezone.now()
    checked = [_checked_entry(**entry, model=model, levels=levels, now=now) for entry in entries]
    # One writer per relationship at a time, so "previous level" and "latest" are decided consistently.
    locked = Relationship.objects.select_for_update().get(pk=relationship.pk)
    moved: set[str] = set()
    recorded = [_append(locked, moved, model=model, **entry) for entry in checked]
    if moved:  # one UPDATE for the whole history, not one per assessment
        locked.save(update_fields=[*sorted(moved), "updated_at"])
    for level_field, at_field in (("self_level", "self_assessed_at"), ("customer_level", "customer_assessed_at")):
        setattr(relationship, level_field, getattr(locked, level_field))
        setattr(relationship, at_field, getattr(locked, at_field))
    account_levels_refresh(account_ids=[locked.account_id])
    return recorded


def _checked_entry(*, level, evidence, source=Source.SELF, assessed_by=None, assessed_at=None, model, levels, now):
    errors = {}
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = None
    if level is None or not 1 <= level <= levels:
        errors["level"] = f"Choose a level from 1 to {levels} of the {model.name}."
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = "Say what you saw or heard that shows this level: evidence is required."
    if source not in Source.values:
        errors["source"] = f"Unknown source {source!r}."
    elif source == Source.SELF and assessed_by is None:
        errors["assessed_by"] = "An assessment of ours needs the person who made it."
    assessed_at = assessed_at or now
    if assessed_at > now + dt.timedelta(minutes=5):
        errors["assessed_at"] = "An assessment cannot be dated in the future."
    elif assessed_at < EARLIEST_ASSESSMENT:
        errors["assessed_at"] = "An assessment cannot be dated before 1 January 2000: check the year of assessed_at."
    if errors:
        raise ValidationError(errors)
    assessed_by = assessed_by if source == Source.SELF else None
    return {
        "level": level,
        "evidence": evidence,
        "source": source,
        "assessed_by": assessed_by,
        "assessed_at": assessed_at,
    }


def _append(
    locked: Relationship, moved: set, *, model, level, evidence, source, assessed_by, assessed_at
) -> Assessment:
    """Saves one assessment; when it is the latest of its source, sets the level on `locked` (not saved:
    the caller saves it once) and adds the changed fields to `moved`."""
    assessment = Assessment(
        tenant_id=locked.tenant_id,
        relationship=locked,
        account_id=locked.account_id,
        hierarchy_model=model,
        level=level,
        evidence=evidence,
        source=source,
        assessed_by=assessed_by,
        assessed_at=assessed_at,
    )
    # The related rows are the locked relationship's and the held model (no existence query per key); the
    # level and evidence were checked above with clearer words than the constraints' (which the table keeps).
    assessment.full_clean(
        exclude=["tenant", "relationship", "account", "hierarchy_model", "assessed_by"], validate_constraints=False
    )
    assessment.save()

    level_field, at_field = (
        ("self_level", "self_assessed_at") if source == Source.SELF else ("customer_level", "customer_assessed_at")
    )
    previous_level, previous_at = getattr(locked, level_field), getattr(locked, at_field)
    if previous_at is None or assessed_at >= previous_at:
        setattr(locked, level_field, level)
        setattr(locked, at_field, assessed_at)
        moved.update((level_field, at_field))
        if previous_level is not None and level < previous_level:
            _alert_level_drop(relationship=locked, assessment=assessment, from_level=previous_level)
    transaction.on_commit(
        lambda: signals.assessment_recorded.send(
            sender=Assessment,
            tenant_id=assessment.tenant_id,
            assessment_id=assessment.pk,
            account_id=assessment.account_id,
        )
    )
    return assessment


def _alert_level_drop(*, relationship: Relationship, assessment: Assessment, from_level: int) -> HierarchyAlert:
    side = "our view" if assessment.source == Source.SELF else "the customer's own view"
    contact = Contact.objects.only("full_name").get(pk=relationship.contact_id)
    alert = HierarchyAlert(
        tenant_id=relationship.tenant_id,
        account_id=relationship.account_id,
        relationship=relationship,
        assessment=assessment,
        kind=AlertKind.LEVEL_DROP,
        from_level=from_level,
        to_level=assessment.level,
        message=f"{contact.full_name}: level fell from {from_level} to {assessment.level} ({side}).",
    )
    alert.full_clean(exclude=["tenant", "account", "relationship", "assessment"], validate_constraints=False)
    alert.save()
    return alert


def account_levels_refresh(*, account_ids) -> int:
    """Stores each account's roll-up level (highest effective level over relationships with contacts who
    are still there; NULL without any) on Account.current_level. One UPDATE for any number of accounts
    (all of the tenant's when account_ids is None)."""
    best = (
        Relationship.objects.filter(account_id=OuterRef("pk"), contact__is_active=True)
        .annotate(effective=selectors.effective_level())
        .filter(effective__isnull=False)
        .order_by("-effective")
        .values("effective")[:1]
    )
    accounts = Account.objects.all() if account_ids is None else Account.objects.filter(pk__in=list(account_ids))
    _distribution_changed()
    return accounts.update(current_level=Subquery(best))


def _distribution_changed() -> None:
    """Levels or relationships changed: the overview's distribution is counted afresh once this commits."""
    shared_cache.tenant_figure_changed(selectors.DISTRIBUTION)


# --- Alerts ---------------------------------------------------------------------------------------


def contact_departures_scan(*, contact_ids=None) -> int:
    """Raises one alert per relationship whose contact has left while it stood at one of the active model's
    two top levels (Buy-Sell: 4 or 5; needs model: 5 or 6; in either view), and refreshes those accounts'
    levels. Set-based and idempotent; returns alerts created."""
    with transaction.atomic():
        high = high_level_from(HierarchyLevel.objects.filter(model__is_active=True).count() or 5)
        departed = Relationship.objects.filter(contact__is_active=False).filter(
            Q(self_level__gte=high) | Q(customer_level__gte=high)
        )
        if contact_ids is not None:
            departed = departed.filter(contact_id__in=list(contact_ids))
        departed = departed.exclude(alerts__kind=AlertKind.CONTACT_LEFT).select_related("contact")
        rows = list(departed)
        alerts = [
            HierarchyAlert(
                tenant_id=r.tenant_id,
                account_id=r.account_id,
                relationship=r,
                kind=AlertKind.CONTACT_LEFT,
                from_level=max(x for x in (r.self_level, r.customer_level) if x is not None),
                message=(
                    f"{r.contact.full_name} has left while holding a level-"
                    f"{max(x for x in (r.self_level, r.customer_level) if x is not None)} relationship."
                ),
            )
            for r in rows
        ]
        created = HierarchyAlert.objects.bulk_create(alerts, ignore_conflicts=True)
        if rows:
            account_levels_refresh(account_ids={r.account_id for r in rows})
    return len(created)


def contacts_departed(*, contact_ids) -> int:
    """Contacts marked as gone, possibly many at once (accounts' contacts_left signal: by hand or by an
    import, which writes in bulk without post_save): alerts for the level-4+ relationships they held,
    and their accounts' roll-ups without them. Set-based; returns alerts created."""
    ids = list(contact_ids)
    if not ids:
        return 0
    with transaction.atomic():
        created = contact_departures_scan(contact_ids=ids)
        account_levels_refresh(
            account_ids=Contact.objects.filter(pk__in=ids).values_list("account_id", flat=True).distinct().order_by()
        )
    return created


@transaction.atomic
def alert_acknowledge(*, alert: HierarchyAlert, by) -> HierarchyAlert:
    if alert.acknowledged_at is not None:
        raise ValidationError("This alert has already been acknowledged.")
    updated = HierarchyAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=by, updated_at=timezone.now()
    )
    if not updated:
        raise ValidationError("This alert has already been acknowledged.")
    alert.refresh_from_db(fields=["acknowledged_at", "acknowledged_by"])
    return alert


# --- Customer survey ------------------------------------------------------------------------------


class SurveyLinkError(Exception):
    """The link cannot be used. `reason` is one of: invalid, expired, used, revoked."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SurveyToken:
    tenant_id: int
    invitation_id: int
    nonce: str


def survey_token_make(invitation: SurveyInvitation) -> str:
    return signing.dumps({"t": invitation.tenant_id, "i": invitation.pk, "n": invitation.nonce}, salt=SURVEY_SALT)


def survey_token_parse(token: str) -> SurveyToken:
    """Verifies the signature only; the invitation row decides expiry and use. Raises SurveyLinkError."""
    try:
        data = signing.loads(token, salt=SURVEY_SALT, max_age=SURVEY_MAX_TOKEN_AGE)
    except signing.SignatureExpired:
        raise SurveyLinkError("expired") from None
    except signing.BadSignature:
        raise SurveyLinkError("invalid") from None
    try:
        return SurveyToken(tenant_id=int(data["t"]), invitation_id=int(data["i"]), nonce=str(data["n"]))
    except (KeyError, TypeError, ValueError):
        raise SurveyLinkError("invalid") from None


def survey_invitation_for_token(parsed: SurveyToken) -> SurveyInvitation:
    """The usable invitation a verified token names (call inside its tenant's context)."""
    invitation = (
        SurveyInvitation.objects.select_related("relationship__user", "relationship__contact")
        .filter(pk=parsed.invitation_id, nonce=parsed.nonce)
        .first()
    )
    if invitation is None:
        raise SurveyLinkError("invalid")
    _raise_if_unusable(invitation)
    return invitation


def _raise_if_unusable(invitation: SurveyInvitation) -> None:
    if invitation.used_at is not None:
        raise SurveyLinkError("used")
    if invitation.revoked_at is not None:
        raise SurveyLinkError("revoked")
    if invitation.expires_at <= timezone.now():
        raise SurveyLinkError("expired")


@transaction.atomic
def survey_invitation_send(
    *, relationship: Relationship, sent_by, base_url: str, email: str | None = None, valid_days: int | None = None
) -> tuple[SurveyInvitation, str]:
    """Creates a single-use invitation for the relationship's contact and e-mails the link after commit.
    Returns the invitation and the link (the link is never stored; only its nonce is).

    The link goes only to the contact's own e-mail address as recorded on the contact: the answer is
    recorded as the customer's view, so nobody on our side may receive it. `email`, when given, must be
    that address (a check that the sender means the same person)."""
    contact = relationship.contact
    own = (contact.email or "").strip()
    if not own:
        raise ValidationError(
            {
                "email": f"{contact.full_name} has no e-mail address. Add it on the contact first "
                "(the account's People page): survey links only go to the contact's own address."
            }
        )
    email = (email or "").strip()
    if email and email.lower() != own.lower():
        raise ValidationError(
            {
                "email": f"Survey links only go to {contact.full_name}'s own e-mail address ({own}), "
                "so the answer comes from them. If that address is wrong, correct it on the "
                "contact first."
            }
        )
    email = own
    if not contact.is_active:
        raise ValidationError({"email": f"{contact.full_name} has left {contact.account}."})
    valid_days = survey_valid_days() if valid_days is None else int(valid_days)
    if not 1 <= valid_days <= 60:
        raise ValidationError({"valid_days": "A link can be valid for 1 to 60 days."})
    hierarchy_defaults_ensure()
    invitation = SurveyInvitation(
        tenant_id=relationship.tenant_id,
        relationship=relationship,
        account_id=relationship.account_id,
        email=email,
        nonce=secrets.token_urlsafe(24),
        sent_by=sent_by,
        expires_at=timezone.now() + dt.timedelta(days=valid_days),
    )
    invitation.full_clean(exclude=["tenant"])
    invitation.save()
    link = base_url.rstrip("/") + reverse("hierarchy_public:survey", args=[survey_token_make(invitation)])
    tenant_name = Tenant.objects.only("name").get(pk=relationship.tenant_id).name
    our_person = relationship.user.get_full_name()
    transaction.on_commit(
        lambda: _send_survey_mail(
            email=email,
            contact_name=contact.full_name,
            tenant_name=tenant_name,
            our_person=our_person,
            link=link,
            expires_at=invitation.expires_at,
        )
    )
    return invitation, link


def _send_survey_mail(*, email, contact_name, tenant_name, our_person, link, expires_at):
    body = (
        f"Dear {contact_name},\n\n"
        f"{our_person} of {tenant_name} would like to know how you see working with us. "
        f"It takes one minute: pick the statement that fits best.\n\n{link}\n\n"
        f"The link works once and until {expires_at:%d %B %Y}. No login is needed.\n\n"
        f"Thank you,\n{our_person}"
    )
    send_mail(f"{tenant_name}: how do you see working with us?", body, None, [email])


def survey_answer(*, parsed: SurveyToken, level: int, comment: str = "") -> Assessment:
    """Records the contact's answer as a customer_survey assessment, exactly once per invitation.
    The claim is a conditional UPDATE: of two simultaneous submits, one records and the other gets
    SurveyLinkError("used"). Call inside the tenant's context (the public view opens it from the token)."""
    with transaction.atomic():
        invitation = survey_invitation_for_token(parsed)
        model = hierarchy_defaults_ensure()
        chosen = HierarchyLevel.objects.filter(model=model, number=level).first() if str(level).isdigit() else None
        if chosen is None:
            raise ValidationError({"level": "Please choose the statement that fits best."})
        now = timezone.now()
        claimed = SurveyInvitation.objects.filter(
            pk=invitation.pk,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(used_at=now, updated_at=now)
        if claimed != 1:  # answered, revoked or expired since it was read: say which
            _raise_if_unusable(SurveyInvitation.objects.get(pk=invitation.pk))
            raise SurveyLinkError("used")
        comment = (comment or "").strip()[:2000]
        evidence = f'Customer survey: "{chosen.survey_statement or chosen.name}"'
        if comment:
            evidence += f"\nComment: {comment}"
        assessment = assessment_record(
            relationship=invitation.relationship,
            level=chosen.number,
            evidence=evidence,
            source=Source.CUSTOMER_SURVEY,
            assessed_at=now,
        )
        SurveyInvitation.objects.filter(pk=invitation.pk).update(assessment=assessment)
    return assessment


@transaction.atomic
def survey_invitation_revoke(*, invitation: SurveyInvitation) -> SurveyInvitation:
    if invitation.used_at is not None:
        raise ValidationError("This link has already been answered.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation
