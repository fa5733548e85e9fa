"""Message templates: the list and the editor, one section per language, with the
variables a text may use. Seen with campaigns.view_messagetemplate; created with
add_messagetemplate; changed and deleted with change_messagetemplate (no role holds
delete_messagetemplate, and a template in use is never deleted anyway)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns import services
from campaigns.delivery.rendering import TEMPLATE_VARIABLES
from campaigns.forms import MessageTemplateForm, VariantForm, variant_forms
from campaigns.models import Channel, MessageTemplate
from campaigns.selectors import (
    ADD_TEMPLATE,
    CHANGE_TEMPLATE,
    VIEW_TEMPLATE,
    message_template_get_for_user,
    message_template_list_for_user,
)


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


@login_required
@permission_required(VIEW_TEMPLATE, raise_exception=True)
@require_GET
def message_template_list(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    channel = request.GET.get("channel", "")
    channel = channel if channel in Channel.values else ""
    context = {
        "templates": message_template_list_for_user(user=user, channel=channel),
        "channel": channel,
        "channels": Channel.choices,
        "may_add": user.has_perm(ADD_TEMPLATE),
        "may_change": user.has_perm(CHANGE_TEMPLATE),
    }
    return render(request, "campaigns/templates/list.html", context)


def _errors_onto(
    form: MessageTemplateForm, variants: list[tuple[str, str, VariantForm]], exc: ValidationError
) -> None:
    """The service keys a language's problems by its code: show them in its section."""
    by_language = {code: variant for code, _name, variant in variants}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        if key in by_language:
            by_language[key].add_error(None, errors)
        else:
            form.add_error(key if key in form.fields else None, errors)


def _editor(
    request: HttpRequest, template: MessageTemplate | None, may_change: bool
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial = {"name": template.name, "channel": template.channel} if template else {}
    form = MessageTemplateForm(data, initial=initial)
    variants = variant_forms(data, template)
    if data is not None:
        saved = _save(request, template, form, variants)
        if saved is not None:
            return redirect("campaigns:template-edit", template_id=saved.pk)
        messages.error(request, _("Please correct the errors below."))
    context: dict[str, Any] = {
        "template": template,
        "form": form,
        "variants": variants,
        "variables": list(TEMPLATE_VARIABLES.items()),
        "may_change": may_change,
    }
    return render(request, "campaigns/templates/editor.html", context)


def _save(
    request: HttpRequest,
    template: MessageTemplate | None,
    form: MessageTemplateForm,
    variants: list[tuple[str, str, VariantForm]],
) -> MessageTemplate | None:
    if not (form.is_valid() and all(v.is_valid() for _c, _n, v in variants)):
        return None
    texts = {code: variant.variant() for code, _name, variant in variants}
    fields = {"acting_user": _acting_user(request), **form.cleaned_data, "variants": texts}
    try:
        if template is None:
            saved = services.message_template_create(**fields)
        else:
            saved = services.message_template_update(template=template, **fields)
    except ValidationError as exc:
        _errors_onto(form, variants, exc)
        return None
    messages.success(request, _("Message template saved."))
    return saved


@login_required
@permission_required(ADD_TEMPLATE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def message_template_create(request: HttpRequest) -> HttpResponse:
    return _editor(request, None, may_change=True)


@login_required
@permission_required(VIEW_TEMPLATE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def message_template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    """The editor; read-only for those who may only view templates."""
    user = _acting_user(request)
    perm = CHANGE_TEMPLATE if request.method == "POST" else VIEW_TEMPLATE
    template = message_template_get_for_user(user=user, template_id=template_id, perm=perm)
    return _editor(request, template, may_change=user.has_perm(CHANGE_TEMPLATE))


@login_required
@permission_required(CHANGE_TEMPLATE, raise_exception=True)
@require_POST
def message_template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    user = _acting_user(request)
    template = message_template_get_for_user(
        user=user, template_id=template_id, perm=CHANGE_TEMPLATE
    )
    try:
        services.message_template_delete(template=template, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("campaigns:template-edit", template_id=template.pk)
    messages.success(request, _("Message template deleted."))
    return redirect("campaigns:template-list")
