"""Pages of the hierarchy app. Thin: access → form → one service or selector → render.
htmx requests get the page's partial (Django 6 {% partialdef %})."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access_account_by_id
from hierarchy import charts, selectors, services
from hierarchy.account_page import account_panel_context, client_page
from hierarchy.access import (
    access_alert_by_id,
    access_invitation_by_id,
    access_level_by_id,
    access_relationship_by_id,
)
from hierarchy.forms import (
    ActivateModelForm,
    AssessmentForm,
    LevelForm,
    OwnerForm,
    RelationshipForm,
    SurveyAnswerForm,
    SurveySendForm,
)
from hierarchy.models import CRITICAL_CLIMB_FROM, Source, SurveyInvitation
from tenancy import throttle
from tenancy.context import tenant_context
from tenancy.decorators import tenant_view
from tenancy.forms import add_errors, client_ip
from tenancy.htmx import render_page, wants_partial


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _turl(request, name, *args):
    return reverse(name, args=[request.tenant.slug, *args])


# --- Charts -----------------------------------------------------------------------------------------


def _relationship_chart(series, levels: int):
    now = timezone.now()
    points = series[Source.SELF] + series[Source.CUSTOMER_SURVEY]
    start = min([at for at, _ in points] + [now - dt.timedelta(days=180)]) - dt.timedelta(days=7)
    return charts.step_chart(
        title="Relationship level over time",
        levels=levels,
        start=start,
        end=now,
        series=[
            ("Our view", "s-self", series[Source.SELF]),
            ("Customer's view", "s-cust", series[Source.CUSTOMER_SURVEY]),
        ],
    )


def _distribution_chart(distribution, levels):
    return charts.grouped_bars(
        title="Relationships by level",
        groups=[
            (
                str(level.number),
                [
                    ("Our view", "s-self", distribution["self"][level.number]),
                    ("Customer's view", "s-cust", distribution["customer"][level.number]),
                    ("Effective", "s-eff", distribution["effective"][level.number]),
                ],
            )
            for level in levels
        ],
    )


# --- Account: relationship map, roll-ups, playbook, history -------------------------------------------


@tenant_view
def account(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id)
    section = request.GET.get("section") if wants_partial(request) else None
    if section in {"map", "summary", "playbook", "history", "alerts"}:
        page_url = client_page(request, _turl(request, "hierarchy:account", account.pk))
        return render(
            request, f"hierarchy/account.html#{section}", account_panel_context(request, account, page_url=page_url)
        )
    return render(request, "hierarchy/account.html", account_panel_context(request, account, page_url=request.path))


@tenant_view(editor=True)
def relationship_new(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id)
    initial = {"contact": request.GET.get("contact"), "user": request.GET.get("user")}
    form = RelationshipForm(request.POST or None, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            relationship = services.relationship_create(
                user=form.cleaned_data["user"], contact=form.cleaned_data["contact"], owner=form.cleaned_data["owner"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"Relationship added: {relationship.user.get_full_name()} ↔ {relationship.contact}."
            )
            return redirect(_next_or(request, _turl(request, "hierarchy:account", account.pk)))
    return render(
        request, "hierarchy/relationship_new.html", {"account": account, "form": form, "next": _next_or(request, "")}
    )


# --- Relationship -----------------------------------------------------------------------------------


@tenant_view
def relationship(request, relationship_id):
    relationship = access_relationship_by_id(membership=request.membership, relationship_id=relationship_id)
    model = services.hierarchy_defaults_ensure()
    levels = selectors.model_levels(model)
    series = selectors.relationship_history(relationship=relationship, model=model)
    by_number = {level.number: level for level in levels}
    current = relationship.effective_level or 1
    invitations = list(
        SurveyInvitation.objects.filter(relationship=relationship)
        .select_related("sent_by")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "hierarchy/relationship.html",
        {
            "relationship": relationship,
            "account": relationship.account,
            "levels": levels,
            "assessments": selectors.relationship_assessments(relationship=relationship),
            "chart": _relationship_chart(series, len(levels) or 5),
            "current_level": by_number.get(current),
            "next_level": by_number.get(current + 1),
            "critical_climb": selectors.is_critical_climb(relationship.effective_level) and current + 1 in by_number,
            "invitations": invitations,
            "now": timezone.now(),
            "can_edit": request.membership.can_edit,
            "model": model,
            "owner_form": OwnerForm(initial={"owner": relationship.owner_id}),
        },
    )


@require_POST
@tenant_view(editor=True)
def relationship_owner(request, relationship_id):
    relationship = access_relationship_by_id(
        membership=request.membership, relationship_id=relationship_id, for_edit=True
    )
    form = OwnerForm(request.POST)
    if form.is_valid():
        try:
            services.relationship_set_owner(relationship=relationship, owner=form.cleaned_data["owner"])
            messages.success(request, f"{form.cleaned_data['owner'].get_full_name()} now owns this relationship.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(_turl(request, "hierarchy:relationship", relationship.pk))


@tenant_view(editor=True)
def assess(request, relationship_id):
    relationship = access_relationship_by_id(
        membership=request.membership, relationship_id=relationship_id, for_edit=True
    )
    model = services.hierarchy_defaults_ensure()
    levels = selectors.model_levels(model)
    form = AssessmentForm(request.POST or None, levels=levels, model=model, initial={"level": relationship.self_level})
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_record(
                relationship=relationship,
                level=form.cleaned_data["level"],
                evidence=form.cleaned_data["evidence"],
                assessed_by=request.user,
                source=Source.SELF,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            note = (
                f"Recorded level {assessment.level} for {relationship.user.get_full_name()} ↔ {relationship.contact}."
            )
            if wants_partial(request):
                relationship.account.refresh_from_db(fields=["current_level"])
                page_url = client_page(request, _turl(request, "hierarchy:account", relationship.account_id))
                context = account_panel_context(request, relationship.account, page_url=page_url) | {
                    "oob": True,
                    "flash": note,
                }
                return render(request, "hierarchy/account.html#assessed", context)
            messages.success(request, note)
            return redirect(_next_or(request, _turl(request, "hierarchy:account", relationship.account_id)))
    context = {
        "relationship": relationship,
        "account": relationship.account,
        "form": form,
        "levels": levels,
        "model": model,
        "next": _next_or(request, ""),
    }
    return render_page(request, "hierarchy/assess.html", context, partial="dialog")


@tenant_view(editor=True)
def survey_send(request, relationship_id):
    relationship = access_relationship_by_id(
        membership=request.membership, relationship_id=relationship_id, for_edit=True
    )
    form = SurveySendForm(request.POST or None, initial={"valid_days": services.survey_valid_days()})
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.survey_invitation_send(
                relationship=relationship,
                sent_by=request.user,
                base_url=request.build_absolute_uri("/")[:-1],
                valid_days=form.cleaned_data["valid_days"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Survey link sent to {invitation.email}; it works once, until "
                f"{timezone.localtime(invitation.expires_at):%d %b %Y}.",
            )
            return redirect(_turl(request, "hierarchy:relationship", relationship.pk))
    return render(
        request,
        "hierarchy/survey_send.html",
        {"relationship": relationship, "account": relationship.account, "form": form},
    )


@require_POST
@tenant_view(editor=True)
def invitation_revoke(request, invitation_id):
    invitation = access_invitation_by_id(membership=request.membership, invitation_id=invitation_id, for_edit=True)
    try:
        services.survey_invitation_revoke(invitation=invitation)
        messages.success(request, f"The survey link sent to {invitation.email} no longer works.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_turl(request, "hierarchy:relationship", invitation.relationship_id))


@require_POST
@tenant_view(editor=True)
def alert_acknowledge(request, alert_id):
    alert = access_alert_by_id(membership=request.membership, alert_id=alert_id, for_edit=True)
    try:
        services.alert_acknowledge(alert=alert, by=request.user)
        messages.success(request, f"Alert acknowledged: {alert.message}")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_next_or(request, _turl(request, "hierarchy:account", alert.account_id)))


# --- Tenant-wide ------------------------------------------------------------------------------------


@tenant_view
def overview(request):
    model = services.hierarchy_defaults_ensure()
    levels = selectors.model_levels(model)
    distribution = selectors.level_distribution_recent()
    return render(
        request,
        "hierarchy/overview.html",
        {
            "model": model,
            "levels": levels,
            "distribution": distribution,
            "chart": _distribution_chart(distribution, levels),
            "account_chart": charts.grouped_bars(
                title="Accounts by roll-up level",
                groups=[
                    (f"{level.number}", [("Accounts", "s-eff", distribution["accounts"][level.number])])
                    for level in levels
                ],
            ),
            "alerts": selectors.open_alerts(limit=50),
            "rows": selectors.accounts_overview(limit=100),
            "can_edit": request.membership.can_edit,
            "page_url": request.get_full_path(),
        },
    )


@tenant_view(admin=True)
def settings_page(request):
    active = services.hierarchy_defaults_ensure()
    form = ActivateModelForm(request.POST or None, active=active)
    if request.method == "POST" and form.is_valid():
        model = services.hierarchy_model_activate(model=form.cleaned_data["model"], by=request.user)
        messages.success(request, f"{model.name} is now the active hierarchy model.")
        return redirect(_turl(request, "hierarchy:settings"))
    return render(
        request,
        "hierarchy/settings.html",
        {
            "form": form,
            "models": selectors.hierarchy_models(),
            "switches": selectors.model_switches(limit=10),
            "critical_from": CRITICAL_CLIMB_FROM,
        },
    )


@tenant_view(admin=True)
def level_edit(request, level_id):
    level = access_level_by_id(membership=request.membership, level_id=level_id, for_edit=True)
    form = LevelForm(request.POST or None, instance=level)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.hierarchy_level_update(
                level=level,
                name=data["name"],
                description=data["description"],
                signals=data["signals"],
                climb_playbook=data["climb_playbook"],
                survey_statement=data["survey_statement"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Level {level.number} of the {level.model.name} saved.")
            return redirect(_turl(request, "hierarchy:settings"))
    return render(request, "hierarchy/level_edit.html", {"level": level, "form": form})


# --- Public customer survey (no login; the token names the tenant) ------------------------------------


def _rate_limited(request) -> bool:
    return throttle.rate_limited(
        f"hierarchy-survey:{client_ip(request)}",
        limit=int(getattr(settings, "HIERARCHY_SURVEY_RATE_LIMIT", 30)),
        window=int(getattr(settings, "HIERARCHY_SURVEY_RATE_WINDOW_SECONDS", 600)),
    )


# reason: (status, title, text, whether to add "Nothing has been recorded.")
_LINK_PROBLEMS = {
    "invalid": (
        404,
        "This survey link is not valid",
        "The link may have been copied incompletely. Please use the full link from the e-mail you received.",
        True,
    ),
    "expired": (
        410,
        "This survey link has expired",
        "Links are valid for a limited time. If you would still like to answer, ask the person who sent it for a new one.",
        True,
    ),
    "revoked": (
        410,
        "This survey link has been withdrawn",
        "The person who sent it has withdrawn this link, so it no longer works. If you would still like to "
        "answer, ask them for a new one.",
        True,
    ),
    "used": (
        410,
        "This survey has already been answered",
        "Each link works once, and an answer has already been recorded with it. Thank you!",
        False,
    ),
}


def _link_problem(request, reason: str):
    status, title, text, nothing_recorded = _LINK_PROBLEMS[reason]
    return render(
        request,
        "hierarchy/public/problem.html",
        {"title": title, "text": text, "nothing_recorded": nothing_recorded},
        status=status,
    )


def _public(response):
    response["Referrer-Policy"] = "same-origin"  # the token is in the URL: never send it to another site
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token):
    if _rate_limited(request):
        return _public(
            render(
                request,
                "hierarchy/public/problem.html",
                {
                    "title": "Too many requests",
                    "text": "Please wait a few minutes and try again.",
                    "nothing_recorded": True,
                },
                status=429,
            )
        )
    try:
        parsed = services.survey_token_parse(token)
        with tenant_context(parsed.tenant_id):
            invitation = services.survey_invitation_for_token(parsed)
            levels = selectors.model_levels(services.hierarchy_defaults_ensure())
            form = SurveyAnswerForm(request.POST or None, levels=levels)
            if request.method == "POST" and form.is_valid():
                try:
                    services.survey_answer(
                        parsed=parsed, level=form.cleaned_data["level"], comment=form.cleaned_data["comment"]
                    )
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    return _public(render(request, "hierarchy/public/thanks.html", {}))
            relationship = invitation.relationship
            response = render(
                request,
                "hierarchy/public/survey.html",
                {
                    "form": form,
                    "vendor": _vendor_name(invitation),
                    "our_person": relationship.user.get_full_name(),
                    "contact_name": relationship.contact.full_name,
                    "expires_at": invitation.expires_at,
                },
            )
            return _public(response)
    except services.SurveyLinkError as problem:
        return _public(_link_problem(request, problem.reason))


def _vendor_name(invitation) -> str:
    from tenancy.models import Tenant

    return Tenant.objects.only("name").get(pk=invitation.tenant_id).name
