"""Pages of the accounts app. Thin: access → form → one service or selector → render.
htmx requests get the page's partial (Django 6 {% partialdef %}); every link also has an href."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import charts, imports, selectors, services
from accounts.access import (
    access_account_by_id,
    access_account_financials_by_id,
    access_contact_by_id,
    access_financial_period_by_id,
    access_import_batch_by_key,
    access_team_member_by_id,
    can_manage_team,
    can_see_financials,
)
from accounts.forms import (
    AccountCreateForm,
    AccountFilterForm,
    AccountForm,
    ClassifyForm,
    ContactForm,
    ContactLeaveForm,
    FinancialPeriodForm,
    ImportUploadForm,
    TeamMemberForm,
    TeamRoleForm,
)
from accounts.models import ImportKind
from accounts.pickers import picker_matches
from tenancy.spreadsheet import SafeWriter
from tenancy.decorators import tenant_view
from tenancy.forms import add_errors
from tenancy.htmx import render_page, wants_partial


def _turl(request, name, *args) -> str:
    return reverse(name, args=[request.tenant.slug, *args])


# --- List, export -----------------------------------------------------------------------------------


@tenant_view
def account_list(request):
    partial = wants_partial(request)
    form = AccountFilterForm(request.GET, members=None if partial else selectors.member_choices())
    form.is_valid()  # invalid filters are dropped, and shown with their error
    page = selectors.account_list(
        filters=form.filters(),
        sort=form.sort_key,
        page=form.page_number,
        per_page=form.page_size,
        user=request.user,
        exact_count=form.exact_count,
    )
    context = {
        "form": form,
        "page": page,
        "sorts": selectors.SORTS,
        "can_edit": request.membership.can_edit,
        "per_page_choices": selectors.PER_PAGE_CHOICES,
    }
    return render(request, "accounts/list.html#results" if partial else "accounts/list.html", context)


EXPORT_COLUMNS = [
    ("external_id", lambda a: a.external_id),
    ("name", lambda a: a.name),
    ("industry", lambda a: a.industry),
    ("segment", lambda a: a.segment),
    ("owner_email", lambda a: a.owner.email if a.owner_id else ""),
    ("revenue_tier", lambda a: a.revenue_tier),
    ("classification", lambda a: a.classification),
    ("classification_reason", lambda a: a.classification_reason),
    ("motivation", lambda a: a.motivation),
    ("relationship_category", lambda a: a.relationship_category),
    ("potential_level", lambda a: "" if a.potential_level is None else a.potential_level),
    ("status", lambda a: a.status),
    ("partner_programme", lambda a: a.partner_programme),
    ("reference_customer", lambda a: "yes" if a.reference_customer else "no"),
    ("beachhead", lambda a: "yes" if a.beachhead else "no"),
    ("notes", lambda a: a.notes),
    # Read-only columns (an import ignores them):
    ("rating", lambda a: a.rating),
    ("current_level", lambda a: "" if a.current_level is None else a.current_level),
    ("last_contact_at", lambda a: a.last_contact_at.isoformat() if a.last_contact_at else ""),
    (
        "revenue_last_12_months",
        lambda a: "" if a.revenue_last_year is None else a.revenue_last_year.quantize(Decimal("0.01")),
    ),
    ("revenue_currency", lambda a: a.revenue_currency or ""),
]


@tenant_view
def account_export(request):
    """The filtered list as CSV, in the import's format (plus read-only columns). Built in memory: the
    tenant's transaction ends when the middleware returns, so no streaming over tenant rows."""
    form = AccountFilterForm(request.GET)
    form.is_valid()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="accounts-{request.tenant.slug}-{timezone.localdate():%Y%m%d}.csv"'
    )
    response.write("\ufeff")  # so Excel reads UTF-8
    writer = SafeWriter(response)
    writer.writerow([name for name, _ in EXPORT_COLUMNS])
    for account in selectors.account_export_rows(
        filters=form.filters(), sort=form.sort_key, membership=request.membership
    ):
        writer.writerow([value(account) for _, value in EXPORT_COLUMNS])
    return response


# --- Create, edit, delete, classify --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@tenant_view(editor=True)
def account_create(request):
    members = selectors.member_choices(owners=True)
    form = AccountCreateForm(request.POST or None, members=members, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            account = services.account_create(by=request.user, **data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{account.name}” was created.")
            return redirect(_turl(request, "accounts:detail", account.pk))
    return render(
        request, "accounts/account_form.html", {"form": form, "title": "New account"}, status=_status(request, form)
    )


def _status(request, form) -> int:
    """A form sent back with errors answers 400 (and the middleware rolls back anything done)."""
    return 400 if request.method == "POST" and form.errors else 200


@require_http_methods(["GET", "POST"])
@tenant_view(editor=True)
def account_edit(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id, for_edit=True)
    members = selectors.member_choices(owners=True, keep_user_id=account.owner_id)
    form = AccountForm(request.POST or None, instance=account, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(account=account, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{account.name}” was saved.")
            return redirect(_turl(request, "accounts:detail", account.pk))
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "account": account, "title": f"Edit {account.name}"},
        status=_status(request, form),
    )


@require_http_methods(["GET", "POST"])
@tenant_view(editor=True)
def account_delete(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id, for_edit=True)
    error = None
    if request.method == "POST":
        try:
            services.account_delete(account=account)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"“{account.name}” was deleted.")
            return redirect(_turl(request, "accounts:list"))
    return render(
        request, "accounts/account_delete.html", {"account": account, "error": error}, status=400 if error else 200
    )


@require_http_methods(["GET", "POST"])
@tenant_view(editor=True)
def account_classify(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id, for_edit=True)
    form = ClassifyForm(request.POST or None, initial={"classification": account.classification})
    if request.method == "POST" and form.is_valid():
        try:
            services.account_classify(account=account, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{account.name}” is now {account.get_classification_display().lower()}.")
            return redirect(_turl(request, "accounts:detail", account.pk))
    history = selectors.classification_history(account=account)
    return render(
        request,
        "accounts/classify.html",
        {"form": form, "account": account, "history": history},
        status=_status(request, form),
    )


# --- Account pages (tabs) -------------------------------------------------------------------------------


def _tab(request, template: str, context: dict, status: int = 200):
    return render_page(request, template, context, partial="tab", status=status)


@tenant_view
def account_picker(request):
    """The <option>s of the accounts matching what was typed into an account picker (accounts.pickers)."""
    q = next((value for key, value in request.GET.items() if key.endswith("__search")), "").strip()[:100]
    return render(
        request,
        "accounts/_picker_options.html",
        {"accounts": picker_matches(q=q), "q": q, "blank": request.GET.get("blank", "")[:100]},
    )


@tenant_view
def account_panel(request, account_id, section):
    """A panel of the overview that the page defers (accounts.sections: DEFERRED), for the
    placeholder's htmx request. The same access rule as the page; an unknown section is a 404."""
    from accounts.sections import account_panel as render_panel

    account = access_account_by_id(membership=request.membership, account_id=account_id)
    html = render_panel(request, account, section)
    if html is None:
        raise Http404("No such panel.")
    return HttpResponse(html)


@tenant_view
def account_detail(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id)
    overview = selectors.account_overview(account=account, membership=request.membership)
    summary = None
    if overview.financials_visible:
        summary = selectors.revenue_summary(selectors.financial_periods(account=account))
    return _tab(
        request,
        "accounts/detail.html",
        {
            "account": account,
            "overview": overview,
            "financials_visible": overview.financials_visible,
            "summary": summary,
            "tab": "overview",
            "can_edit": request.membership.can_edit,
        },
    )


@tenant_view
def account_contacts(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id)
    roots, people = selectors.org_chart(account=account)
    return _tab(
        request,
        "accounts/contacts.html",
        {
            "account": account,
            "roots": roots,
            "people": people,
            "tab": "contacts",
            "financials_visible": can_see_financials(membership=request.membership, account=account),
            "can_edit": request.membership.can_edit,
        },
    )


@require_http_methods(["GET", "POST"])
@tenant_view(editor=True)
def contact_create(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id, for_edit=True)
    _, people = selectors.org_chart(account=account)
    form = ContactForm(
        request.POST or None, account=account, people=people, initial={"reports_to": request.GET.get("reports_to")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(account=account, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{contact.full_name} was added to {account.name}.")
            return redirect(_turl(request, "accounts:contacts", account.pk))
    return render(
        request,
        "accounts/contact_form.html",
        {"form": form, "account": account, "title": "New contact"},
        status=_status(request, form),
    )


@require_http_methods(["GET", "POST"])
@tenant_view(editor=True)
def contact_edit(request, contact_id):
    contact = access_contact_by_id(membership=request.membership, contact_id=contact_id, for_edit=True)
    account = contact.account
    _, people = selectors.org_chart(account=account)
    form = ContactForm(request.POST or None, instance=contact, account=account, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(contact=contact, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{contact.full_name} was saved.")
            return redirect(_turl(request, "accounts:contacts", account.pk))
    return render(
        request,
        "accounts/contact_form.html",
        {
            "form": form,
            "account": account,
            "contact": contact,
            "title": f"Edit {contact.full_name}",
            "leave_form": ContactLeaveForm(initial={"left_on": timezone.localdate()}),
        },
        status=_status(request, form),
    )


@require_POST
@tenant_view(editor=True)
def contact_leave(request, contact_id):
    contact = access_contact_by_id(membership=request.membership, contact_id=contact_id, for_edit=True)
    form = ContactLeaveForm(request.POST)
    if form.is_valid():
        try:
            services.contact_leave(contact=contact, left_on=form.cleaned_data["left_on"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{contact.full_name} is marked as gone; their history and place in the chart stay."
            )
    else:
        messages.error(request, "Give the date they left, as YYYY-MM-DD.")
    return redirect(_turl(request, "accounts:contacts", contact.account_id))


@require_http_methods(["GET", "POST"])
@tenant_view(editor=True)
def contact_delete(request, contact_id):
    contact = access_contact_by_id(membership=request.membership, contact_id=contact_id, for_edit=True)
    error = None
    if request.method == "POST":
        try:
            services.contact_delete(contact=contact)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"{contact.full_name} was deleted.")
            return redirect(_turl(request, "accounts:contacts", contact.account_id))
    return render(
        request,
        "accounts/contact_delete.html",
        {"contact": contact, "account": contact.account, "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@tenant_view
def account_team(request, account_id):
    account = access_account_by_id(
        membership=request.membership, account_id=account_id, for_edit=request.method == "POST"
    )
    members = selectors.member_choices() if request.membership.can_edit else []
    form = TeamMemberForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.team_member_add(account=account, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"{member.user.get_full_name()} joined the team as {member.get_team_role_display().lower()}."
            )
            return redirect(_turl(request, "accounts:team", account.pk))
    team = selectors.account_team(account=account)
    team_ids = {t.user_id for t in team}
    visible = can_see_financials(membership=request.membership, account=account, team_user_ids=team_ids)
    return _tab(
        request,
        "accounts/team.html",
        {
            "account": account,
            "team": team,
            "form": form,
            "tab": "team",
            "financials_visible": visible,
            "can_edit": request.membership.can_edit,
            "role_form": TeamRoleForm(),
            "can_manage_team": can_manage_team(membership=request.membership, account=account, team_user_ids=team_ids),
        },
        status=_status(request, form),
    )


@require_POST
@tenant_view(editor=True)
def team_member_role(request, team_member_id):
    member = access_team_member_by_id(membership=request.membership, team_member_id=team_member_id, for_edit=True)
    form = TeamRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a team role from the list.")
        return redirect(_turl(request, "accounts:team", member.account_id))
    try:
        services.team_member_update(team_member=member, team_role=form.cleaned_data["team_role"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{member.user.get_full_name()} is now {member.get_team_role_display().lower()}.")
    return redirect(_turl(request, "accounts:team", member.account_id))


@require_POST
@tenant_view(editor=True)
def team_member_remove(request, team_member_id):
    member = access_team_member_by_id(membership=request.membership, team_member_id=team_member_id, for_edit=True)
    try:
        services.team_member_remove(team_member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{member.user.get_full_name()} left the team of {member.account.name}.")
    return redirect(_turl(request, "accounts:team", member.account_id))


@require_http_methods(["GET", "POST"])
@tenant_view
def account_financials(request, account_id):
    account = access_account_financials_by_id(
        membership=request.membership, account_id=account_id, for_edit=request.method == "POST"
    )
    periods = selectors.financial_periods(account=account)
    form = FinancialPeriodForm(
        request.POST or None, initial={"currency": periods[-1].currency if periods else request.tenant.currency}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.financial_period_save(account=account, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"The period from {form.cleaned_data['period_start']} was saved.")
            return redirect(_turl(request, "accounts:financials", account.pk))
    return _tab(
        request,
        "accounts/financials.html",
        {
            "account": account,
            "periods": periods,
            "chart": charts.revenue_chart(periods),
            "summary": selectors.revenue_summary(periods),
            "form": form,
            "tab": "financials",
            "financials_visible": True,
            "can_edit": request.membership.can_edit,
        },
        status=_status(request, form),
    )


@require_POST
@tenant_view(editor=True)
def financial_period_delete(request, financial_period_id):
    period = access_financial_period_by_id(
        membership=request.membership, financial_period_id=financial_period_id, for_edit=True
    )
    services.financial_period_delete(period=period)
    messages.success(request, f"The period from {period.period_start} was deleted.")
    return redirect(_turl(request, "accounts:financials", period.account_id))


# --- CSV import ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@tenant_view(editor=True)
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    problem = None
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        upload = form.cleaned_data["file"]
        try:
            columns, rows, warnings = imports.read_csv(upload.read(), kind=kind)
        except imports.FileProblem as exc:
            problem = str(exc)
        else:
            batch = services.import_batch_create(
                by=request.user, kind=kind, filename=upload.name, columns=columns, rows=rows
            )
            for warning in warnings:
                messages.warning(request, warning)
            return redirect(_turl(request, "accounts:import_preview", batch.key))
    return render(
        request,
        "accounts/import.html",
        {
            "form": form,
            "problem": problem,
            "columns": imports.COLUMNS,
            "kinds": ImportKind,
        },
        status=400 if problem or (request.method == "POST" and form.errors) else 200,
    )


@tenant_view(editor=True)
def import_sample(request):
    """A file to start from: the header of the chosen kind and two example rows."""
    kind = request.GET.get("kind", ImportKind.ACCOUNTS)
    kind = kind if kind in ImportKind.values else ImportKind.ACCOUNTS
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="keystone-{kind}-sample.csv"'
    writer = SafeWriter(response)
    writer.writerow(list(imports.COLUMNS[kind]))
    for row in imports.SAMPLES[kind]:
        writer.writerow([row.get(column, "") for column in imports.COLUMNS[kind]])
    return response


@require_http_methods(["GET", "POST"])
@tenant_view(editor=True)
def import_preview(request, batch_key):
    batch = access_import_batch_by_key(membership=request.membership, batch_key=batch_key)
    if batch.applied_at is not None:
        messages.info(request, "This file has already been imported.")
        return redirect(_turl(request, "accounts:list"))
    if request.method == "POST":
        try:
            plan = services.import_batch_apply(batch=batch, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_turl(request, "accounts:list"))
        if not plan.errors:
            s = plan.summary()
            messages.success(
                request,
                f"Imported {batch.filename or 'the file'}: {s['create']} created, "
                f"{s['update']} updated, {s['unchanged']} unchanged.",
            )
            return redirect(_turl(request, "accounts:list"))
        messages.error(
            request, "Nothing was imported: the data changed since the preview and some rows are no longer valid."
        )
    else:
        plan = imports.plan_batch(batch)
    errors = plan.errors
    return render(
        request,
        "accounts/import_preview.html",
        {
            "batch": batch,
            "plan": plan,
            "summary": plan.summary(),
            "errors": errors[: imports.MAX_ERRORS_SHOWN],
            "more_errors": max(0, len(errors) - imports.MAX_ERRORS_SHOWN),
            "rows": plan.rows[: imports.PREVIEW_ROWS],
            "more_rows": max(0, len(plan.rows) - imports.PREVIEW_ROWS),
            "columns": batch.columns,
        },
    )
