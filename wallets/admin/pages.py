"""The admin pages behind the operator's money actions, and the console's small shared helpers.

The pages are rendered from inline templates that extend the stock admin ones, so the console
needs no template files of its own.
"""

from __future__ import annotations

from functools import cache

from django import forms
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import quote
from django.db.models import Model
from django.http import HttpRequest
from django.template import engines
from django.template.backends.django import Template
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from llmgateway.money import usd_display


def admin_url(model, view: str, *args, **query) -> str:
    """An admin URL; primary keys are quoted the admin's way (ids hold "_", its escape)."""
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    url = reverse(name, args=[quote(arg) for arg in args])
    return f"{url}?{urlencode(query)}" if query else url


def signed_usd(nanos: int) -> str:
    return usd_display(nanos, signed=True)


_OPERATOR_FORM_PAGE = """
{% extends "admin/base_site.html" %}
{% block breadcrumbs %}
<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">Home</a>
&rsaquo; <a href="{{ app_url }}">{{ opts.app_config.verbose_name }}</a>
&rsaquo; <a href="{{ changelist_url }}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; <a href="{{ change_url }}">{{ original|truncatewords:"18" }}</a>
&rsaquo; {{ title }}
</div>
{% endblock %}
{% block content %}
<div id="content-main">
{% if summary %}<p>{{ summary }}</p>{% endif %}
<form method="post" novalidate>{% csrf_token %}
{% if form.non_field_errors %}
<p class="errornote">{{ form.non_field_errors|join:" " }}</p>
{% endif %}
{% for field in form.hidden_fields %}{{ field }}{% endfor %}
<fieldset class="module aligned">
{% for field in form.visible_fields %}
<div class="form-row{% if field.errors %} errors{% endif %}">
{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div>
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}
</div>
{% endfor %}
</fieldset>
<div class="submit-row"><input type="submit" class="default" value="{{ submit_label }}"></div>
</form>
</div>
{% endblock %}
"""

_CHANGE_FORM_WITH_OPERATOR_LINKS = """
{% extends "admin/change_form.html" %}
{% block object-tools-items %}
{% for link in operator_links %}<li><a href="{{ link.url }}">{{ link.label }}</a></li>{% endfor %}
{{ block.super }}
{% endblock %}
"""


_CHANGE_LIST_WITH_SUMMARY = """
{% extends "admin/change_list.html" %}
{% block content %}
{% if summary %}<p id="{{ summary_id }}">{{ summary }}</p>{% endif %}
{{ block.super }}
{% endblock %}
"""


@cache
def _template(source: str) -> Template:
    return engines["django"].from_string(source)


def change_form_with_operator_links() -> Template:
    """A change form whose object tools also list the `operator_links` in the context."""
    return _template(_CHANGE_FORM_WITH_OPERATOR_LINKS)


def change_list_with_summary() -> Template:
    """A change list with a line of figures (`summary`, `summary_id`) above it."""
    return _template(_CHANGE_LIST_WITH_SUMMARY)


def render_operator_form(
    request: HttpRequest,
    *,
    model_admin: ModelAdmin,
    original: Model,
    form: forms.Form,
    title: str,
    summary: str = "",
    submit_label: str = "Submit",
) -> TemplateResponse:
    opts = model_admin.opts
    admin_name = model_admin.admin_site.name
    url_prefix = f"{admin_name}:{opts.app_label}_{opts.model_name}"
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_url": reverse(f"{admin_name}:app_list", kwargs={"app_label": opts.app_label}),
        "changelist_url": reverse(f"{url_prefix}_changelist"),
        "change_url": reverse(f"{url_prefix}_change", args=[quote(original.pk)]),
        "original": original,
        "form": form,
        "title": title,
        "subtitle": str(original),
        "summary": summary,
        "submit_label": submit_label,
    }
    return TemplateResponse(request, _template(_OPERATOR_FORM_PAGE), context)
