"""Thin views: validate, call one service or selector, render the page (or its partial for htmx).

Every view runs in the tenant's time zone (request.tenant.timezone): dates and times on the pages and
in the forms are the tenant's unless a visit says otherwise.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access_account_by_id, can_see_money, money_visible_expression
from hierarchy.selectors import level_names
from keyplayers.access import access_key_player_by_id
from tenancy.paging import CappedPaginator
from plans import calendar as cal
from plans import selectors, services
from plans.ics import visits_calendar
from plans.access import (
    access_action_by_id,
    access_call_by_id,
    access_issue_by_id,
    access_opportunity_by_id,
    access_plan_by_id,
    access_visit_by_id,
    can_log_call,
    require_call_logger,
)
from plans.forms import (
    ActionForm,
    ActionStatusForm,
    CalendarFilterForm,
    CallReportForm,
    IssueForm,
    NextStepFormSet,
    NoteForm,
    OpportunityForm,
    PlanForm,
    VisitForm,
)
from plans.models import STRATEGY_GUIDANCE, CalendarFeed, CallChannel, FeedKind, PlanStatus, Stage
from tenancy.context import tenant_context
from tenancy.decorators import tenant_view
from tenancy.forms import add_errors
from tenancy.htmx import render_page, vary_on, wants_partial
from tenancy.models import Membership
from tenancy.tokens import FEED_PREFIX, hash_token, tenant_id_of

PAGE_SIZE = 25


def _page(request, template: str, context: dict, partial: str | None = None):
    """The page, or only `partial` of it for an htmx request."""
    return render_page(request, template, context, partial=partial)


# Ids are 64-bit integers in the database: a larger number in a query string is no id at all.
MAX_ID = 2**63 - 1


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -MAX_ID <= number <= MAX_ID else None


def _tenant_url(request, name: str, *args) -> str:
    return reverse(name, args=[request.tenant.slug, *args])


def _back_to(request, default: str) -> str:
    """A same-site `next` parameter, or `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    prefix = f"/t/{request.tenant.slug}/"
    return target if target.startswith(prefix) and "//" not in target[len(prefix) :] else default


def _is_account_refresh(request) -> bool:
    """The form's account select changed (htmx, see below): answer with the choices that depend on it."""
    vary_on(request, "HX-Trigger-Name")
    return request.method == "GET" and wants_partial(request) and request.htmx.trigger_name == "account"


def _refresh_on_account_change(request, form) -> None:
    """Choosing another account re-renders the choices that depend on it (htmx; without JavaScript
    the form validates that contacts and opportunity belong to the account)."""
    if "account" in form.fields:
        form.fields["account"].widget.attrs.update(
            {
                "hx-get": request.path,
                "hx-trigger": "change",
                "hx-target": "#dependent",
                "hx-swap": "outerHTML",
            }
        )


def account_detail_url(request, account) -> str:
    """The accounts app's detail page when it exists, otherwise our activity page for the account."""
    try:
        return reverse("accounts:detail", args=[request.tenant.slug, account.pk])
    except NoReverseMatch:
        return _tenant_url(request, "plans:account", account.pk)


# --- account plans ---------------------------------------------------------------------------------------------


@tenant_view
def plan_list(request):
    today = timezone.localdate()
    status = request.GET.get("status", PlanStatus.ACTIVE)
    status = status if status in (*PlanStatus.values, "all") else PlanStatus.ACTIVE
    mine = request.GET.get("mine") == "1"
    plans = selectors.plan_list(
        today=today,
        status=None if status == "all" else status,
        owner_id=request.user.pk if mine else None,
        account_id=_int(request.GET.get("account")),
    )
    page = CappedPaginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "plans/plan_list.html",
        {
            "page": page,
            "status": status,
            "mine": mine,
            "statuses": [*PlanStatus.choices, ("all", "All")],
            "today": today,
        },
        partial="results",
    )


@tenant_view(editor=True)
def plan_create(request):
    account_id = _int(request.GET.get("account"))
    form = PlanForm(request.POST or None, initial={"account": account_id, "owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                account=data["account"],
                title=data["title"],
                objectives=data["objectives"],
                owner=data["owner"],
                target_level=data["target_level"],
                target_date=data["target_date"],
                review_date=data["review_date"],
                created_by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"Plan “{plan.title}” is now the active plan of {plan.account.name}." + _carried_over(plan)
            )
            return redirect(_tenant_url(request, "plans:plan_detail", plan.pk))
    return render(request, "plans/plan_form.html", {"form": form, "plan": None})


def _carried_over(plan) -> str:
    count = getattr(plan, "carried_over_actions", 0)
    if not count:
        return ""
    return f" {count} open action{'s' if count != 1 else ''} carried over from the previous plan."


@tenant_view
def plan_detail(request, plan_id):
    plan = access_plan_by_id(membership=request.membership, plan_id=plan_id)
    return _plan_page(request, plan, ActionForm(initial={"owner": request.user.pk}))


def _plan_page(request, plan, action_form, status=200, issue_form=None):
    today = timezone.localdate()
    actions = selectors.plan_actions(plan)
    other_plans = selectors.plan_list(today=today, status=None, account_id=plan.account_id).exclude(pk=plan.pk)
    response = _page(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "actions": actions,
            "action_form": action_form,
            "today": today,
            "other_plans": list(other_plans),
            "account_url": account_detail_url(request, plan.account),
            "levels": level_names(),
            "status_choices": ActionStatusForm.base_fields["status"].choices,
            "issues": selectors.plan_issues(plan),
            "issue_form": issue_form
            or (IssueForm(plan=plan) if plan.is_active and request.membership.can_edit else None),
        },
        partial="actions" if request.method == "POST" and issue_form is None else None,
    )
    response.status_code = status
    return response


@tenant_view(editor=True)
def plan_edit(request, plan_id):
    plan = access_plan_by_id(membership=request.membership, plan_id=plan_id, for_edit=True)
    initial = model_to_dict(plan, fields=["title", "objectives", "owner", "target_level", "target_date", "review_date"])
    form = PlanForm(request.POST or None, initial=initial, with_account=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Plan saved.")
            return redirect(_tenant_url(request, "plans:plan_detail", plan.pk))
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan})


@require_POST
@tenant_view(editor=True)
def plan_archive(request, plan_id):
    plan = access_plan_by_id(membership=request.membership, plan_id=plan_id, for_edit=True)
    if request.POST.get("reactivate"):
        services.plan_reactivate(plan=plan)
        messages.success(
            request, f"“{plan.title}” is the active plan of {plan.account.name} again." + _carried_over(plan)
        )
    else:
        services.plan_archive(plan=plan)
        messages.success(request, f"“{plan.title}” is archived. It stays readable with its actions.")
    return redirect(_tenant_url(request, "plans:plan_detail", plan.pk))


# --- actions ------------------------------------------------------------------------------------------------------


@require_POST
@tenant_view(editor=True)
def action_create(request, plan_id):
    plan = access_plan_by_id(membership=request.membership, plan_id=plan_id, for_edit=True)
    form = ActionForm(request.POST)
    if form.is_valid():
        try:
            services.action_create(plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            if not wants_partial(request):
                messages.success(request, f"Action “{form.cleaned_data['title']}” added.")
                return redirect(_tenant_url(request, "plans:plan_detail", plan.pk))
            return _plan_page(request, plan, ActionForm(initial={"owner": request.user.pk}))
    # htmx swaps only 2xx responses by default: answer 200 with the errors inside the partial.
    return _plan_page(request, plan, form, status=200 if wants_partial(request) else 400)


@require_POST
@tenant_view
def mentions_seen(request):
    """Clears the user's mentions from their dashboard."""
    services.mentions_mark_seen(user=request.user)
    return redirect(reverse("dashboard", args=[request.tenant.slug]))


@require_POST
@tenant_view(editor=True)
def issue_create(request, plan_id):
    """Adds one of the customer's issues to the plan (a plain form post; the page answers with errors)."""
    plan = access_plan_by_id(membership=request.membership, plan_id=plan_id, for_edit=True)
    form = IssueForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            services.customer_issue_add(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "The customer's issue is on the plan.")
            return redirect(_tenant_url(request, "plans:plan_detail", plan.pk) + "#issues")
    return _plan_page(request, plan, ActionForm(initial={"owner": request.user.pk}), status=400, issue_form=form)


@require_POST
@tenant_view(editor=True)
def issue_remove(request, issue_id):
    issue = access_issue_by_id(membership=request.membership, issue_id=issue_id, for_edit=True)
    try:
        services.customer_issue_remove(issue=issue)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_tenant_url(request, "plans:plan_detail", issue.plan_id) + "#issues")


@tenant_view
def action_list(request):
    today = timezone.localdate()
    scope = request.GET.get("show", "mine")
    scope = scope if scope in ("mine", "overdue", "all") else "mine"
    actions = selectors.action_list(
        today=today,
        owner_id=request.user.pk if scope in ("mine", "overdue") else None,
        overdue_only=scope == "overdue",
        account_id=_int(request.GET.get("account")),
    )
    page = CappedPaginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "plans/action_list.html", {"page": page, "show": scope, "today": today}, partial="results")


@tenant_view(editor=True)
def action_edit(request, action_id):
    action = access_action_by_id(membership=request.membership, action_id=action_id, for_edit=True)
    initial = model_to_dict(action, fields=["title", "owner", "due_date", "notes", "status"])
    form = ActionForm(request.POST or None, initial=initial, with_status=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=action, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Action saved.")
            return redirect(_back_to(request, _tenant_url(request, "plans:plan_detail", action.plan_id)))
    return render(request, "plans/action_form.html", {"form": form, "action": action})


@require_POST
@tenant_view(editor=True)
def action_status(request, action_id):
    action = access_action_by_id(membership=request.membership, action_id=action_id, for_edit=True)
    form = ActionStatusForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.action_set_status(action=action, status=form.cleaned_data["status"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = "Choose one of the statuses."
    if wants_partial(request):
        return render(
            request,
            "plans/plan_detail.html#action_row",
            {
                "a": action,
                "today": timezone.localdate(),
                "row_error": error,
                "status_choices": ActionStatusForm.base_fields["status"].choices,
                "plan": action.plan,
            },
        )
    if error:
        messages.error(request, error)
    return redirect(_back_to(request, _tenant_url(request, "plans:plan_detail", action.plan_id)))


# --- opportunities -----------------------------------------------------------------------------------------------


@tenant_view
def opportunity_list(request):
    stage = request.GET.get("stage") or ""
    stage = stage if stage in Stage.values else ""
    show = request.GET.get("show", "open")
    show = show if show in ("open", "all", "mine") else "open"
    opportunities = selectors.opportunity_list(
        stage=stage or None,
        open_only=show in ("open", "mine") and not stage,
        owner_id=request.user.pk if show == "mine" else None,
        account_id=_int(request.GET.get("account")),
    )
    opportunities = opportunities.annotate(
        money_visible=money_visible_expression(membership=request.membership, prefix="account__")
    )
    page = CappedPaginator(opportunities, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "plans/opportunity_list.html",
        {
            "page": page,
            "stage": stage,
            "show": show,
            "stages": Stage.choices,
        },
        partial="results",
    )


@tenant_view(editor=True)
def opportunity_create(request):
    form = OpportunityForm(
        request.POST or None,
        initial={
            "account": _int(request.GET.get("account")),
            "owner": request.user.pk,
            "currency": request.tenant.currency,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            opportunity = services.opportunity_create(**data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Opportunity “{opportunity.name}” created.")
            return redirect(_tenant_url(request, "plans:opportunity_detail", opportunity.pk))
    return render(request, "plans/opportunity_form.html", {"form": form, "opportunity": None})


@tenant_view
def opportunity_detail(request, opportunity_id):
    opportunity = access_opportunity_by_id(membership=request.membership, opportunity_id=opportunity_id)
    return _opportunity_page(request, opportunity, NoteForm())


def _opportunity_page(request, opportunity, note_form, status=200, partial="notes", key_player_error=None):
    notes = list(opportunity.notes.select_related("author").order_by("created_at", "pk"))
    calls = list(selectors.call_list(opportunity_id=opportunity.pk)[:10])
    response = _page(
        request,
        "plans/opportunity_detail.html",
        {
            "opp": opportunity,
            "notes": notes,
            "note_form": note_form,
            "calls": calls,
            "team": selectors.opportunity_team(opportunity),
            "key_player_error": key_player_error,
            "account_url": account_detail_url(request, opportunity.account),
            "money_visible": can_see_money(membership=request.membership, account=opportunity.account),
            "lead_guidance": STRATEGY_GUIDANCE.get(opportunity.competitive_strategy, ""),
            "fallback_guidance": STRATEGY_GUIDANCE.get(opportunity.fallback_strategy, ""),
        },
        partial=partial if request.method == "POST" else None,
    )
    response.status_code = status
    return response


def _key_players_changed(request, opportunity, error=None):
    """The key players card again (htmx), or back to the page; an error is a 400 without htmx."""
    if wants_partial(request):
        return _opportunity_page(request, opportunity, NoteForm(), partial="key_players", key_player_error=error)
    if error:
        return _opportunity_page(request, opportunity, NoteForm(), status=400, key_player_error=error)
    return redirect(_tenant_url(request, "plans:opportunity_detail", opportunity.pk) + "#key-players")


@require_POST
@tenant_view(editor=True)
def opportunity_key_player_add(request, opportunity_id):
    opportunity = access_opportunity_by_id(membership=request.membership, opportunity_id=opportunity_id, for_edit=True)
    key_player_id = _int(request.POST.get("key_player"))
    if key_player_id is None:
        return _key_players_changed(request, opportunity, "Choose one of the account's key players.")
    key_player = access_key_player_by_id(membership=request.membership, key_player_id=key_player_id, for_edit=True)
    try:
        services.opportunity_key_player_add(opportunity=opportunity, key_player=key_player)
    except ValidationError as error:
        return _key_players_changed(request, opportunity, " ".join(error.messages))
    if not wants_partial(request):
        messages.success(request, f"{key_player.contact} is on “{opportunity.name}”.")
    return _key_players_changed(request, opportunity)


@require_POST
@tenant_view(editor=True)
def opportunity_key_player_remove(request, opportunity_id, key_player_id):
    opportunity = access_opportunity_by_id(membership=request.membership, opportunity_id=opportunity_id, for_edit=True)
    key_player = access_key_player_by_id(membership=request.membership, key_player_id=key_player_id, for_edit=True)
    services.opportunity_key_player_remove(opportunity=opportunity, key_player=key_player)
    if not wants_partial(request):
        messages.success(
            request, f"{key_player.contact} is off “{opportunity.name}” (still a key player of the account)."
        )
    return _key_players_changed(request, opportunity)


@tenant_view(editor=True)
def opportunity_edit(request, opportunity_id):
    opportunity = access_opportunity_by_id(membership=request.membership, opportunity_id=opportunity_id, for_edit=True)
    initial = model_to_dict(opportunity, fields=[f for f in OpportunityForm.Meta.fields if f != "account"])
    form = OpportunityForm(
        request.POST or None,
        initial=initial,
        with_account=False,
        with_money=can_see_money(membership=request.membership, account=opportunity.account),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_update(opportunity=opportunity, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Opportunity saved.")
            return redirect(_tenant_url(request, "plans:opportunity_detail", opportunity.pk))
    return render(request, "plans/opportunity_form.html", {"form": form, "opportunity": opportunity})


@require_POST
@tenant_view(editor=True)
def opportunity_note_add(request, opportunity_id):
    opportunity = access_opportunity_by_id(membership=request.membership, opportunity_id=opportunity_id, for_edit=True)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.opportunity_note_add(opportunity=opportunity, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            if not wants_partial(request):
                return redirect(_tenant_url(request, "plans:opportunity_detail", opportunity.pk) + "#notes")
            return _opportunity_page(request, opportunity, NoteForm())
    return _opportunity_page(request, opportunity, form, status=200 if wants_partial(request) else 400)


# --- call reports --------------------------------------------------------------------------------------------------


@tenant_view
def call_list(request):
    mine = request.GET.get("mine") == "1"
    calls = selectors.call_list(account_id=_int(request.GET.get("account")), attendee=request.user if mine else None)
    page = CappedPaginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "plans/call_list.html", {"page": page, "mine": mine}, partial="results")


@tenant_view
def call_create(request):
    initial = {
        "account": _int(request.GET.get("account")),
        "opportunity": _int(request.GET.get("opportunity")),
        "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
        "attendees": [request.user.pk],
    }
    visit_id = _int(request.GET.get("visit"))
    visit = access_visit_by_id(membership=request.membership, visit_id=visit_id) if visit_id is not None else None
    require_call_logger(membership=request.membership, visit=visit)
    if visit is not None and request.method == "GET":
        initial.update(_call_initial_from_visit(visit))
    form = CallReportForm(request.POST or None, initial=initial)
    _refresh_on_account_change(request, form)
    steps = NextStepFormSet(request.POST or None, prefix="steps", form_kwargs={"default_owner": request.user})
    if _is_account_refresh(request):
        # The account changed: refresh the choices that depend on it (contacts, opportunities).
        form = CallReportForm(initial={**initial, "account": _int(request.GET.get("account"))})
        return render(request, "plans/call_form.html#dependent", {"form": form})
    if (
        request.method == "POST"
        and form.is_valid()
        and not request.membership.can_edit
        and form.cleaned_data["account"].pk != visit.account_id
    ):
        form.add_error("account", f"As an attendee you log the call of the visit to {visit.account.name} only.")
    if request.method == "POST" and form.is_valid() and steps.is_valid():
        data = form.cleaned_data
        next_steps = [
            services.NextStep(title=s["title"], due_date=s["due_date"], owner=s.get("owner"))
            for s in steps.cleaned_data
            if s.get("title")
        ]
        starts_plan = bool(next_steps) and not selectors.has_active_plan(data["account"].pk)
        try:
            call = services.call_report_record(
                account=data["account"],
                occurred_at=data["occurred_at"],
                channel=data["channel"],
                summary=data["summary"],
                outcomes=data["outcomes"],
                opportunity=data["opportunity"],
                attendees=list(data["attendees"]),
                contacts=list(data["contacts"]),
                next_steps=next_steps,
                author=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            done = f"Call report saved for {call.account.name}."
            if next_steps:
                steps_text = f"{len(next_steps)} next step{'s' if len(next_steps) != 1 else ''}"
                done += (
                    f" {call.account.name} had no active account plan: one was started with {steps_text} "
                    "as its actions — give it its objectives."
                    if starts_plan
                    else f" {steps_text} added to the account plan."
                )
            messages.success(request, done)
            return redirect(_tenant_url(request, "plans:call_detail", call.pk))
    return render(
        request,
        "plans/call_form.html",
        {"form": form, "steps": steps, "visit": visit},
        status=400 if request.method == "POST" else 200,
    )


def _call_initial_from_visit(visit) -> dict:
    """ "Log the call" on a visit: its account, people and time (now, if the visit has not started yet:
    a call report records what happened)."""
    return {
        "account": visit.account_id,
        "channel": CallChannel.IN_PERSON,
        "occurred_at": min(visit.starts_at, timezone.now())
        .astimezone(timezone.get_current_timezone())
        .replace(second=0, microsecond=0),
        "attendees": [a.user_id for a in visit.our_attendees.all()],
        "contacts": [c.contact_id for c in visit.their_attendees.all()],
    }


@tenant_view
def call_detail(request, call_id):
    call = access_call_by_id(membership=request.membership, call_id=call_id)
    return render(
        request, "plans/call_detail.html", {"call": call, "account_url": account_detail_url(request, call.account)}
    )


# --- visits and the calendar ------------------------------------------------------------------------------------------


def _calendar_filters(request):
    """The filters from the query string. A bad field is reported on the form and ignored; the valid
    ones still apply (Django's cleaned_data keeps only the fields that validated)."""
    form = CalendarFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    view = data.get("view") or "month"
    anchor = data.get("date") or timezone.localdate()
    executive = data.get("executive") or ""
    return form, {
        "view": view,
        "anchor": anchor,
        "mine": bool(data.get("mine")),
        "account": data.get("account"),
        "executive_id": _int(executive),
        "any_executive": executive == "any",
    }


@never_cache
@tenant_view
def calendar(request):
    form, f = _calendar_filters(request)
    tz = ZoneInfo(request.tenant.timezone)
    window = cal.window(f["view"], f["anchor"])
    start, end = window.bounds(tz)
    visits = selectors.visit_calendar(
        start=start,
        end=end,
        tz=tz,
        per_day=cal.PER_DAY[window.view],
        attendee=request.user if f["mine"] else None,
        account_id=f["account"].pk if f["account"] else None,
        executive_id=f["executive_id"],
        any_executive=f["any_executive"],
    )
    today = timezone.localdate()
    day_list = cal.days(window, visits, tz, today)

    def link(view, date):
        query = request.GET.copy()
        query["view"], query["date"] = view, date.isoformat()
        return "?" + query.urlencode()

    for day in day_list:
        day.more_link = link("day", day.date) if day.more else ""

    context = {
        "form": form,
        "window": window,
        "view": window.view,
        "visits": visits,
        "days": day_list,
        "weeks": cal.weeks(day_list),
        "today": today,
        "tz_name": request.tenant.timezone,
        "links": {
            "previous": link(window.view, window.previous),
            "today": link(window.view, today),
            "following": link(window.view, window.following),
        },
        "views": [(value, label, link(value, window.anchor)) for value, label in CalendarFilterForm.VIEWS],
    }
    if not wants_partial(request):
        context.update(_feeds_context(request))
    return _page(request, "plans/calendar.html", context, partial="calendar")


def _feeds_context(request, new_token: str | None = None, new_kind: str | None = None) -> dict:
    feeds = {f.kind: f for f in CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True)}
    rows = []
    for kind, label in FeedKind.choices:
        row = {"kind": kind, "label": label, "feed": feeds.get(kind), "url": None}
        if new_token and kind == new_kind:
            row["url"] = request.build_absolute_uri(reverse("plans_public:feed", args=[new_token]))
        rows.append(row)
    return {"feeds": rows}


@require_POST
@never_cache
@tenant_view
def calendar_feeds(request):
    """Creates/rotates or revokes one of the user's secret feed URLs; the new URL is shown once."""
    kind = request.POST.get("kind", "")
    action = request.POST.get("action", "")
    new_token = None
    try:
        if action == "rotate":
            _, new_token = services.calendar_feed_rotate(user=request.user, kind=kind)
        elif action == "revoke":
            services.calendar_feed_revoke(user=request.user, kind=kind)
        else:
            raise ValidationError("Choose whether to create a new link or revoke the current one.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_tenant_url(request, "plans:calendar"))
    context = _feeds_context(request, new_token, kind)
    if wants_partial(request):
        return render(request, "plans/calendar.html#feeds", context)
    if action == "revoke":
        messages.success(request, "The feed link is revoked: calendars subscribed to it get nothing more.")
        return redirect(_tenant_url(request, "plans:calendar") + "#feeds")
    return render(request, "plans/feed_created.html", context)


@tenant_view(editor=True)
def visit_create(request):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(10, 0))
    date = request.GET.get("date")
    try:
        start = dt.datetime.combine(dt.date.fromisoformat(date), dt.time(10, 0)) if date else start
    except ValueError:
        pass
    initial = {
        "account": _int(request.GET.get("account")),
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "timezone": str(tz),
        "attendees": [request.user.pk],
    }
    form = VisitForm(request.POST or None, initial=initial)
    _refresh_on_account_change(request, form)
    if _is_account_refresh(request):
        form = VisitForm(initial={**initial, "account": _int(request.GET.get("account"))})
        return render(request, "plans/visit_form.html#dependent", {"form": form})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_schedule(
                account=data["account"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                timezone_name=data["timezone"],
                purpose=data["purpose"],
                location=data["location"],
                agenda=data["agenda"],
                attendees=list(data["attendees"]),
                contacts=list(data["contacts"]),
                organiser=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Visit to {visit.account.name} is on the calendar.")
            return redirect(_tenant_url(request, "plans:visit_detail", visit.pk))
    return render(
        request, "plans/visit_form.html", {"form": form, "visit": None}, status=400 if request.method == "POST" else 200
    )


@tenant_view
def visit_detail(request, visit_id):
    visit = access_visit_by_id(membership=request.membership, visit_id=visit_id)
    return render(
        request,
        "plans/visit_detail.html",
        {
            "visit": visit,
            "visit_tz": ZoneInfo(visit.timezone),
            "account_url": account_detail_url(request, visit.account),
            "can_log_call": can_log_call(membership=request.membership, visit=visit),
            "other_tz": visit.timezone != request.tenant.timezone,
        },
    )


@tenant_view(editor=True)
def visit_edit(request, visit_id):
    visit = access_visit_by_id(membership=request.membership, visit_id=visit_id, for_edit=True)
    tz = ZoneInfo(visit.timezone)
    initial = {
        "purpose": visit.purpose,
        "location": visit.location,
        "agenda": visit.agenda,
        "timezone": visit.timezone,
        "starts_at": visit.starts_at.astimezone(tz).replace(tzinfo=None),
        "ends_at": visit.ends_at.astimezone(tz).replace(tzinfo=None),
        "attendees": [a.user_id for a in visit.our_attendees.all()],
        "contacts": [c.contact_id for c in visit.their_attendees.all()],
    }
    form = VisitForm(request.POST or None, initial=initial, account=visit.account, with_account=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_update(
                visit=visit,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                timezone_name=data["timezone"],
                purpose=data["purpose"],
                location=data["location"],
                agenda=data["agenda"],
                attendees=list(data["attendees"]),
                contacts=list(data["contacts"]),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Visit updated; subscribed calendars pick up the change.")
            return redirect(_tenant_url(request, "plans:visit_detail", visit.pk))
    return render(
        request,
        "plans/visit_form.html",
        {"form": form, "visit": visit},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@tenant_view(editor=True)
def visit_cancel(request, visit_id):
    visit = access_visit_by_id(membership=request.membership, visit_id=visit_id, for_edit=True)
    services.visit_cancel(visit=visit)
    messages.success(request, "Visit cancelled. Subscribed calendars will show it as cancelled.")
    return redirect(_tenant_url(request, "plans:visit_detail", visit.pk))


# --- the account's activity -------------------------------------------------------------------------------------------


@tenant_view
def account(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id)
    activity = selectors.account_activity(account=account)
    return render(
        request,
        "plans/account.html",
        {
            "account": account,
            "activity": activity,
            "today": timezone.localdate(),
            "money_visible": can_see_money(membership=request.membership, account=account),
            "account_url": account_detail_url(request, account),
        },
    )


# --- the public calendar feed -----------------------------------------------------------------------------------------


def _not_found():
    raise Http404("No such calendar.")


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request, token):
    """GET /calendar/<tenant id>_<secret>.ics — no login: the secret is the credential. The tenant id
    in the token says which tenant to open; the secret's hash is then looked up inside it."""
    tenant_id = tenant_id_of(token, prefix=FEED_PREFIX)
    if tenant_id is None:
        _not_found()
    with tenant_context(tenant_id):
        feed = (
            CalendarFeed.objects.select_related("user", "tenant")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if feed is None or not feed.user.is_active or not Membership.objects.filter(user_id=feed.user_id).exists():
            _not_found()
        now = timezone.now()
        if feed.last_used_at is None or (now - feed.last_used_at).total_seconds() > 300:
            CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        visits = selectors.feed_visits(user=feed.user if feed.kind == FeedKind.MINE else None, now=now)
        tenant = feed.tenant
        name = (
            f"{tenant.name}: visits of {feed.user.get_full_name()}"
            if feed.kind == FeedKind.MINE
            else f"{tenant.name}: all visits"
        )
        body = visits_calendar(
            visits,
            name=name,
            now=now,
            url_for=lambda v: request.build_absolute_uri(reverse("plans:visit_detail", args=[tenant.slug, v.pk])),
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="keystone-visits.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
