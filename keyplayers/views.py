"""Pages of the keyplayers app: the board per account, the tenant-wide list, coverage and guidance.

htmx requests get the page's partial (`keyplayers/<page>.html#<partial>`); every link and form also
works without JavaScript (href + plain form posts that redirect back)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from keyplayers import selectors, services
from accounts.access import access_account_by_id
from keyplayers.access import access_key_player_by_id
from keyplayers.forms import (
    AnswerForm,
    CellSelectForm,
    ConcernForm,
    CoverageSettingsForm,
    GuidanceCellForm,
    KeyPlayerFilterForm,
    KeyPlayerForm,
    StageForm,
    StanceForm,
)
from keyplayers.models import BuyingRole, BuyingStage, KeyPlayerConcern, Stance
from tenancy.paging import CappedPaginator
from tenancy.decorators import tenant_view
from tenancy.forms import add_errors
from tenancy.htmx import render_page, wants_partial

PAGE_SIZE = 25


def _url(request, name, *args, query=None):
    url = reverse(f"keyplayers:{name}", args=[request.tenant.slug, *args])
    return f"{url}?{urlencode(query)}" if query else url


def _group(value) -> str:
    return "role" if value == "role" else "stage"


# --- Board ----------------------------------------------------------------------------------------


def _board_context(request, account, group, **extra):
    board = selectors.key_player_board(account=account, group=group)
    can_edit = request.membership.can_edit
    context = {
        "account": account,
        "board": board,
        "coverage": board.coverage,
        "can_edit": can_edit,
        "stages": BuyingStage.choices,
        "stances": Stance.choices,
        "roles": BuyingRole.choices,
        **extra,
    }
    if can_edit and "add_form" not in context:
        contacts = selectors.contacts_available(account=account)
        context["add_form"] = KeyPlayerForm(contacts=contacts) if contacts else None
    return context


@tenant_view
def board(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id)
    context = _board_context(request, account, _group(request.GET.get("group")))
    return render_page(request, "keyplayers/board.html", context, partial="board")


def _after_board_change(request, player, *, notice=None, error=None):
    """htmx: the re-rendered board (so a card moves to its new column); otherwise back to the board."""
    group = _group(request.POST.get("group"))
    if wants_partial(request):
        context = _board_context(request, player.account, group, notice=notice, error=error)
        return render(request, "keyplayers/board.html#board", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    query = {"group": group} if group == "role" else None
    return redirect(_url(request, "board", player.account_id, query=query) + f"#kp-{player.pk}")


def _first_error(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@tenant_view
def key_player_stage(request, key_player_id):
    player = access_key_player_by_id(membership=request.membership, key_player_id=key_player_id, for_edit=True)
    form = StageForm(request.POST)
    if not form.is_valid():
        return _after_board_change(request, player, error=_first_error(form))
    try:
        services.key_player_set_stage(
            key_player=player, buying_stage=form.cleaned_data["buying_stage"], by=request.user
        )
    except ValidationError as error:
        return _after_board_change(request, player, error=" ".join(error.messages))
    return _after_board_change(
        request, player, notice=f"{player.contact} is now at “{player.get_buying_stage_display()}”."
    )


@require_POST
@tenant_view
def key_player_stance(request, key_player_id):
    player = access_key_player_by_id(membership=request.membership, key_player_id=key_player_id, for_edit=True)
    form = StanceForm(request.POST)
    if not form.is_valid():
        return _after_board_change(request, player, error=_first_error(form))
    try:
        services.key_player_set_stance(key_player=player, stance=form.cleaned_data["stance"])
    except ValidationError as error:
        return _after_board_change(request, player, error=" ".join(error.messages))
    return _after_board_change(
        request, player, notice=f"{player.contact} is now a {player.get_stance_display().lower()}."
    )


@tenant_view(editor=True)
def key_player_add(request, account_id):
    account = access_account_by_id(membership=request.membership, account_id=account_id, for_edit=True)
    contacts = selectors.contacts_available(account=account)
    form = KeyPlayerForm(request.POST or None, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            player = services.key_player_create(account=account, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"{player.contact} added as {player.get_buying_role_display().lower()} "
                f"at “{player.get_buying_stage_display()}”.",
            )
            return redirect(_url(request, "board", account.pk) + f"#kp-{player.pk}")
    return render(
        request,
        "keyplayers/key_player_form.html",
        {"account": account, "form": form, "player": None, "no_contacts": not contacts},
    )


@tenant_view(editor=True)
def key_player_edit(request, key_player_id):
    player = access_key_player_by_id(membership=request.membership, key_player_id=key_player_id, for_edit=True)
    initial = {name: getattr(player, name) for name in services.EDITABLE_FIELDS}
    form = KeyPlayerForm(request.POST or None, initial=initial, include_contact=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.key_player_update(key_player=player, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{player.contact} saved.")
            return redirect(_url(request, "board", player.account_id) + f"#kp-{player.pk}")
    return render(
        request, "keyplayers/key_player_form.html", {"account": player.account, "form": form, "player": player}
    )


@require_POST
@tenant_view(editor=True)
def concern_add(request, key_player_id):
    """Logs a concern on the key player's card (a plain form post back to the board)."""
    player = access_key_player_by_id(membership=request.membership, key_player_id=key_player_id, for_edit=True)
    form = ConcernForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_first_error(form))
        services.concern_raise(key_player=player, concern=form.cleaned_data["concern"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Concern of {player.contact} logged: answer it before going on.")
    return redirect(_url(request, "board", player.account_id) + f"#kp-{player.pk}")


@require_POST
@tenant_view(editor=True)
def concern_answer(request, concern_id):
    concern = KeyPlayerConcern.objects.filter(pk=concern_id).first()
    if concern is None:
        raise Http404("No such concern.")
    player = access_key_player_by_id(membership=request.membership, key_player_id=concern.key_player_id, for_edit=True)
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_first_error(form))
        services.concern_answer(concern=concern, answer=form.cleaned_data["answer"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Answer to {player.contact} recorded.")
    return redirect(_url(request, "board", player.account_id) + f"#kp-{player.pk}")


@require_POST
@tenant_view(editor=True)
def key_player_remove(request, key_player_id):
    player = access_key_player_by_id(membership=request.membership, key_player_id=key_player_id, for_edit=True)
    services.key_player_remove(key_player=player)
    messages.success(request, f"{player.contact} is no longer a key player on {player.account}.")
    return redirect(_url(request, "board", player.account_id))


@tenant_view
def account_panel(request, account_id):
    """The key-player panel of an account page (coverage flags + level by buying role), as a fragment
    for hx-get; the account page renders it through keyplayers.account_page."""
    account = access_account_by_id(membership=request.membership, account_id=account_id)
    return render(request, "keyplayers/_account_panel.html", selectors.account_panel(account=account))


# --- Lists ----------------------------------------------------------------------------------------


@tenant_view
def key_player_list(request):
    form = KeyPlayerFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    page = CappedPaginator(selectors.key_player_list(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_guidance(page.object_list)
    context = {"form": form, "page": page, "filtered": any(filters.values()), "account": filters.get("account")}
    return render_page(request, "keyplayers/list.html", context, partial="results")


@tenant_view
def boards(request):
    """Choose an account to open its board (?account=<id> goes straight there)."""
    account_id = request.GET.get("account")
    if account_id:
        if not account_id.isdigit():
            messages.error(request, "Choose an account from the list.")
        else:
            account = access_account_by_id(membership=request.membership, account_id=int(account_id))
            return redirect(_url(request, "board", account.pk))
    search = (request.GET.get("q") or "").strip()
    page = CappedPaginator(selectors.board_accounts(search=search), 50).get_page(request.GET.get("page"))
    return render(request, "keyplayers/boards.html", {"page": page, "q": search})


@tenant_view
def coverage(request):
    mine = request.GET.get("mine") == "1"
    overview = selectors.coverage_overview(mine_of=request.user.pk if mine else None)
    summary = services.coverage_summary_current(tenant_id=request.tenant.pk)
    # The whole tenant's flagged players are counted in the stored summary: counting them again (up to
    # the cap) would compute every key player's flags (0.2 s at 100k accounts). "Mine" is counted live.
    known = None if mine else summary.counts.get("players", 0)
    page = CappedPaginator(overview.players, PAGE_SIZE, known_count=known).get_page(request.GET.get("page"))
    context = {
        "overview": overview,
        "page": page,
        "mine": mine,
        "counts": summary.counts,
        "as_of": summary.computed_at,
        "single_role_rows": selectors.SINGLE_ROLE_ROWS,
        "flags": selectors.FLAGS,
        "roles": BuyingRole.choices,
    }
    return render_page(request, "keyplayers/coverage.html", context, partial="results")


@tenant_view(admin=True)
def coverage_thresholds(request):
    current = selectors.coverage_settings()
    form = CoverageSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.coverage_settings_update(
                **{name: form.cleaned_data[name] for name in CoverageSettingsForm.Meta.fields}
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Minimum levels saved; coverage is recomputed with them everywhere.")
            return redirect(_url(request, "coverage"))
    return render(request, "keyplayers/thresholds.html", {"form": form})


# --- Guidance -------------------------------------------------------------------------------------


@tenant_view
def guidance(request):
    return render(
        request,
        "keyplayers/guidance.html",
        {
            "rows": zip(BuyingStage.choices, selectors.guidance_rows(), strict=True),
            "roles": BuyingRole.choices,
        },
    )


@tenant_view(admin=True)
def guidance_edit(request):
    which = CellSelectForm(request.POST if request.method == "POST" else request.GET)
    if not which.is_valid():
        messages.error(request, _first_error(which))
        return redirect(_url(request, "guidance"))
    role, stage = which.cleaned_data["buying_role"], which.cleaned_data["buying_stage"]
    cell = selectors.guidance_for(buying_role=role, buying_stage=stage)
    form = GuidanceCellForm(
        request.POST or None,
        initial={
            "buying_role": role,
            "buying_stage": stage,
            "communication": cell.communication,
            "message": cell.message,
            "typical_concern": cell.typical_concern,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.guidance_set(**form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Guidance for {cell.role_label.lower()} at “{cell.stage_label}” saved.")
            return redirect(_url(request, "guidance") + f"#g-{role}-{stage}")
    context = {"form": form, "cell": cell}
    return render_page(request, "keyplayers/guidance_edit.html", context, partial="cell_form")


@require_POST
@tenant_view(admin=True)
def guidance_reset(request):
    which = CellSelectForm(request.POST)
    if not which.is_valid():
        messages.error(request, _first_error(which))
        return redirect(_url(request, "guidance"))
    role, stage = which.cleaned_data["buying_role"], which.cleaned_data["buying_stage"]
    services.guidance_reset(buying_role=role, buying_stage=stage)
    messages.success(
        request,
        f"Guidance for {BuyingRole(role).label.lower()} at “{BuyingStage(stage).label}” is back to the default.",
    )
    return redirect(_url(request, "guidance") + f"#g-{role}-{stage}")
