"""The autocomplete picker (docs/interactions.md#pickers): a ``<select>`` that carries only its chosen
option(s), rendered on the server with their labels, and asks a small JSON endpoint for the others as
the user types. The browser side is Tom Select (npm, served from node_modules through staticfiles),
started by the ``autocomplete`` Alpine component in app.js: it keeps the label, the keyboard and
``aria-activedescendant`` of a combobox. Without JavaScript the select still submits its value.

A filter set offers a picker with :meth:`cxq.lib.filters.FilterSet.pick`: the choices are the chosen
ids found in the viewer's queryset (so an id out of scope is refused as before), never every row.
"""

from __future__ import annotations

from django import forms


class Autocomplete(forms.Select):
    """``source``: the URL of the JSON endpoint (``?q=text`` → ``{"results": [{"value", "text"}]}``)."""

    def __init__(self, source, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.source = source

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-autocomplete"] = str(self.source)
        widget_attrs["x-data"] = "autocomplete"
        widget_attrs.setdefault("class", "autocomplete")
        return context


PICK_LIMIT = 20


def pick_results(queryset, text: str, *, label: str = "full_name", limit: int = PICK_LIMIT) -> dict:
    """The body of a picker's JSON endpoint: the first ``limit`` rows of ``queryset`` (already scoped to
    the viewer and ordered) whose ``label`` contains ``text`` (one line, at most 100 characters)."""
    text = " ".join(str(text or "").split())[:100]
    if text:
        queryset = queryset.filter(**{f"{label}__icontains": text})
    rows = queryset.values_list("uuid", label)[:limit]
    return {"results": [{"value": str(uuid), "text": name} for uuid, name in rows]}
