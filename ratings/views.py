"""Pages of the ratings app (under /t/<slug>/ratings/). Thin: validate, call one service or selector,
render the page or, for htmx requests, the page's partial."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.access import access_account_by_id
from tenancy.paging import CappedPaginator
from ratings import access, selectors, services
from ratings.account_page import render_badge
from ratings.charts import history_chart
from ratings.criteria import fmt
from ratings.forms import DecisionForm, OverrideForm, PolicyForm
from ratings.models import RATINGS, ReviewDecision
from tenancy.decorators import tenant_view
from tenancy.htmx import render_page, wants_partial

PER_PAGE = 25


def _url(request, name, *args):
    return reverse(f"ratings:{name}", args=[request.tenant.slug, *args])


def _render(request, template, partial, context):
    return render_page(request, template, context, partial=partial)


def _form_errors(form, error: ValidationError, fields: dict[str, str] | None = None):
    """A service's ValidationError on the form: each message on its field (`fields` maps the service's
    names to the form's, e.g. expires_at → ends_on), else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            field = (fields or {}).get(field, field)
            for message in errors:
                text = " ".join(message.messages)
                form.add_error(field if field in form.fields else None, text)
    else:
        for message in error.messages:
            form.add_error(None, message)


# --- Overview -------------------------------------------------------------------------------------


@tenant_view
def home(request):
    rating = request.GET.get("rating", "")
    query = request.GET.get("q", "").strip()
    mine = request.GET.get("mine") == "1"
    accounts = selectors.rated_accounts(
        membership=request.membership, rating=rating, query=query, mine_of=request.user if mine else None
    )
    page = CappedPaginator(accounts, PER_PAGE).get_page(request.GET.get("page"))
    policy = services.policy_defaults_ensure()
    figure = selectors.rating_distribution_recent()
    distribution = figure["value"]
    a, b, c = (fmt(t) for t in (policy.threshold_a, policy.threshold_b, policy.threshold_c))
    bands = {"A": f"score {a} or more", "B": f"{b} to below {a}", "C": f"{c} to below {b}", "D": f"below {c}"}
    context = {
        "page": page,
        "rating": rating,
        "q": query,
        "mine": mine,
        "ratings": RATINGS,
        "policy": policy,
        "dist": [(r, distribution[r], bands[r]) for r in RATINGS],
        "unrated": distribution[""],
        "dist_as_of": figure["as_of"],
        "draft": selectors.policy_draft(),
        "recent": selectors.recent_changes(membership=request.membership, limit=8),
    }
    return _render(request, "ratings/home.html", "list", context)


@require_POST
@tenant_view(admin=True)
def recompute(request):
    services.ratings_recompute_soon(tenant_id=request.tenant.pk)
    messages.success(request, "Recomputing every account's rating now; the list updates when it is done.")
    return redirect(_url(request, "home"))


# --- One account ----------------------------------------------------------------------------------


def _account_context(request, account, override_form=None):
    panel = selectors.account_rating_panel(account=account, membership=request.membership)
    history = selectors.rating_history(account=account)
    can_override = access.can_override(membership=request.membership, account=account)
    return {
        "account": account,
        "panel": panel,
        # Swapped in alone (an htmx part), the panel shows the messages the page around it would have.
        "panel_alone": wants_partial(request),
        "history": history,
        # The score over time is money too where the member may not see the account's (accounts.access).
        "chart": history_chart(history, policy=panel.active_policy) if panel.score_visible else None,
        "can_override": can_override,
        "override_form": override_form
        or (OverrideForm(tenant=request.tenant, initial={"rating": panel.computed or "B"}) if can_override else None),
        "overrides": selectors.override_history(account_id=account.pk, limit=10),
        "rating_pending": selectors.recompute_pending(account.pk),
    }


@tenant_view
def account(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id)
    return _render(
        request,
        "ratings/account.html",
        request.GET.get("part") == "panel" and "panel",
        _account_context(request, account),
    )


@require_safe
@tenant_view
def badge(request, account_id):
    """The account's rating badge alone: a badge saying "being updated" asks for this until it is not."""
    account = access_account_by_id(membership=request.membership, account_id=account_id)
    return HttpResponse(render_badge(account, request))


@require_POST
@tenant_view(editor=True)
def override(request, account_id):
    account = access.access_account_override_by_id(membership=request.membership, account_id=account_id)
    form = OverrideForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        try:
            services.override_set(
                account=account,
                rating=form.cleaned_data["rating"],
                reason=form.cleaned_data["reason"],
                expires_at=form.expires_at(),
                by=request.user,
            )
        except ValidationError as error:
            _form_errors(form, error, fields={"expires_at": "ends_on"})
        else:
            messages.success(
                request,
                f"{account.name} is rated {form.cleaned_data['rating']} by hand until "
                f"{form.cleaned_data['ends_on']:%d %b %Y}.",
            )
            if wants_partial(request):
                return render(request, "ratings/account.html#panel", _account_context(request, account))
            return redirect(_url(request, "account", account.pk))
    account.refresh_from_db(fields=["rating"])
    return _render(request, "ratings/account.html", "panel", _account_context(request, account, override_form=form))


@require_POST
@tenant_view(editor=True)
def override_clear(request, account_id):
    account = access.access_account_override_by_id(membership=request.membership, account_id=account_id)
    try:
        services.override_clear(account=account, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The manual rating of {account.name} was removed; the computed rating applies.")
    if wants_partial(request):
        account.refresh_from_db(fields=["rating"])
        return render(request, "ratings/account.html#panel", _account_context(request, account))
    return redirect(_url(request, "account", account.pk))


# --- Policies -------------------------------------------------------------------------------------


@tenant_view
def policies(request):
    active = services.policy_defaults_ensure()
    return render(request, "ratings/policies.html", {"versions": selectors.policy_versions(), "active": active})


@tenant_view
def policy(request, policy_id):
    policy = access.access_policy_by_id(membership=request.membership, policy_id=policy_id)
    return render(request, "ratings/policy.html", {"policy": policy, "rows": selectors.policy_rows(policy)})


@tenant_view(admin=True)
def policy_edit(request):
    """The draft editor: opens the draft, or the active version to start one. Saving creates or changes
    the draft; "Save and preview" goes on to the preview."""
    active = services.policy_defaults_ensure()
    draft = selectors.policy_draft()
    form = PolicyForm(request.POST or None, instance=draft or active, initial=None if draft else {"note": ""})
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.policy_draft_save(by=request.user, draft=draft, **form.policy_fields())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if "preview" in request.POST:
                return redirect(_url(request, "policy_preview", draft.pk))
            messages.success(request, f"Draft version {draft.version} saved. Preview it before activating.")
            return redirect(_url(request, "policy_edit"))
    return render(request, "ratings/policy_edit.html", {"form": form, "draft": draft, "active": active})


@tenant_view(admin=True)
def policy_preview(request, policy_id):
    draft = access.access_policy_by_id(membership=request.membership, policy_id=policy_id, for_edit=True)
    if not draft.is_draft:
        messages.info(
            request, f"Version {draft.version} is {draft.get_status_display().lower()}; only a draft has a preview."
        )
        return redirect(_url(request, "policy", draft.pk))
    active = services.policy_defaults_ensure()
    preview = selectors.policy_preview(draft=draft, active=active)
    return render(
        request,
        "ratings/policy_preview.html",
        {
            "preview": preview,
            "draft": draft,
            "active": active,
            "changes": selectors.policy_changes(active, draft),
        },
    )


@require_POST
@tenant_view(admin=True)
def policy_activate(request, policy_id):
    policy = access.access_policy_by_id(membership=request.membership, policy_id=policy_id, for_edit=True)
    try:
        services.policy_activate(policy=policy, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_url(request, "policy", policy.pk))
    messages.success(
        request,
        f"Version {policy.version} is active. Every account's rating is being recomputed "
        "under it; the lists update within a minute.",
    )
    return redirect(_url(request, "home"))


@require_POST
@tenant_view(admin=True)
def policy_discard(request, policy_id):
    policy = access.access_policy_by_id(membership=request.membership, policy_id=policy_id, for_edit=True)
    try:
        services.policy_discard(policy=policy)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Draft version {policy.version} was discarded.")
    return redirect(_url(request, "policies"))


# --- Contact cadence ------------------------------------------------------------------------------


@tenant_view
def due(request):
    state = request.GET.get("state", "all")
    state = state if state in selectors.DUE_STATES else "all"
    rating = request.GET.get("rating", "")
    mine = request.GET.get("mine", "1" if request.GET.get("state") is None else "") == "1"
    try:
        within = max(1, min(int(request.GET.get("within", 14)), 365))
    except ValueError:
        within = 14
    policy = services.policy_defaults_ensure()
    now = timezone.now()
    accounts = selectors.contact_due(
        policy=policy, user=request.user if mine else None, state=state, within_days=within, rating=rating, now=now
    )
    page = CappedPaginator(accounts, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "rating": rating,
        "mine": mine,
        "within": within,
        "now": now,
        "states": selectors.DUE_STATES,
        "ratings": RATINGS,
        "policy": policy,
    }
    return _render(request, "ratings/due.html", "list", context)


# --- Declassification review ----------------------------------------------------------------------


@tenant_view
def declassification(request):
    access.require_declassification_reader(request.membership)
    policy = services.policy_defaults_ensure()
    scope_user = access.declassification_scope_user(request.membership)
    if scope_user is None:  # the whole tenant's review: counted at most every few minutes
        figure = selectors.declassification_candidates_recent(policy=policy)
        candidates, as_of = figure["value"], figure["as_of"]
    else:  # a manager's own accounts: few, counted now
        candidates, as_of = selectors.declassification_candidates(policy=policy, user=scope_user), None
    return render(
        request,
        "ratings/declassification.html",
        {
            "policy": policy,
            "candidates": candidates,
            "as_of": as_of,
            "reviews": selectors.declassification_reviews(limit=15, user=scope_user),
            "own_only": scope_user is not None,
        },
    )


@tenant_view
def declassification_review(request, account_id):
    account = access.access_declassification_account_by_id(
        membership=request.membership, account_id=account_id, for_edit=request.method == "POST"
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                review = services.declassification_decide(
                    account=account,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    review_again_on=form.cleaned_data["review_again_on"],
                    by=request.user,
                    coverage=form.cleaned_data["coverage"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                if review.decision == ReviewDecision.DECLASSIFY:
                    messages.success(
                        request,
                        f"{account.name} is declassified: now tactical, served by "
                        f"{account.get_coverage_display().lower()}.",
                    )
                else:
                    messages.success(
                        request,
                        f"{account.name} is kept; it is not flagged again before {review.review_again_on:%d %b %Y}.",
                    )
                return redirect(_url(request, "declassification"))
    evidence = selectors.declassification_evidence(account=account)
    return render(
        request,
        "ratings/declassification_review.html",
        {
            "account": account,
            "evidence": evidence,
            "form": form if request.membership.is_admin else None,
            "history_max": max([p["highest"] or 0 for p in evidence.level_history] + [1]),
        },
    )
