"""No input takes plain text or a plain datetime: every API operation's parameters and body, and every
form, use the types of cxq.lib.inputs, so a new endpoint or form cannot forget the checks.

The API side walks each operation's pydantic core schema (what validation really runs, nested models,
lists, dict keys and unions included): every ``str``, ``datetime`` and ``date`` must sit directly under
one of the inputs validators. The form side looks at every declared field of every form class.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

from django import forms

import cxq
from cxq.api import api
from cxq.lib import inputs
from cxq.lib.filters import FilterSet

# Fields owned by other work (password and token-name rules): each is refused elsewhere when unsafe.
API_EXCEPTIONS = {
    ("me_password", "password"),  # passwords are hashed or compared, never stored as typed
    ("me_password", "current_password"),
    ("users_password", "password"),
    ("users_password", "current_password"),
    ("users_create", "password"),
    ("tokens_create", "name"),
    ("link_create", "password"),  # a share link's password: hashed, never stored as typed
}
FORM_EXCEPTIONS = {
    ("LoginForm", "password"),
    ("UserForm", "password"),
    ("PasswordSetForm", "password"),
    ("PasswordChangeForm", "old_password"),
    ("PasswordChangeForm", "new_password1"),
    ("PasswordChangeForm", "new_password2"),
    ("PasswordResetSetForm", "new_password1"),
    ("PasswordResetSetForm", "new_password2"),
    ("TokenForm", "name"),
}
GUARDS = {"str": inputs.CHECKS, "datetime": (inputs.aware_moment,), "date": (inputs.bounded_day,)}


def _operations(router=None, prefix=""):
    routers = api._routers if router is None else router._routers
    for sub_prefix, sub in routers:
        for path, view in sub.path_operations.items():
            for operation in view.operations:
                url = re.sub("/+", "/", prefix + sub_prefix + path)
                yield f"{'/'.join(operation.methods)} {url}", operation
        yield from _operations(sub, prefix + sub_prefix)


def _unguarded(schema, path: tuple[str, ...], guard=None):
    """Paths to every str/datetime/date in a core schema not directly under one of our validators."""
    if isinstance(schema, list):
        for item in schema:
            yield from _unguarded(item, path)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if kind in GUARDS:
        if guard not in GUARDS[kind]:
            yield path, kind
        return
    if kind and kind.startswith("function-"):
        func = schema.get("function", {}).get("function")
        if func is inputs.storable_json:
            return  # free JSON: the validator checks every key and string inside
        # our validator guards what it wraps; a constraint wrapper (max_length…) passes the guard on
        inner_guard = func if func in inputs.CHECKS else guard
        yield from _unguarded(schema.get("schema"), path, inner_guard)
        return
    for key, value in schema.items():
        if key in ("metadata", "serialization", "ref", "function"):
            continue
        step = path + (key,) if kind in ("model-fields", "typed-dict", "arguments") else path
        if kind in ("nullable", "default"):
            yield from _unguarded(value, path, guard)
        elif key == "fields" and isinstance(value, dict):
            for name, field in value.items():
                yield from _unguarded(field, path + (name,))
        else:
            yield from _unguarded(value, step)


def test_every_api_input_is_typed_text_moment_day_or_json():
    problems = []
    count = 0
    for label, operation in _operations():
        for model in operation.models:
            if not model.__pydantic_complete__:  # a type it could not resolve: validation would 500
                problems.append(f"{label}: {model.__name__} is not fully defined")
                continue
            for path, kind in _unguarded(model.__pydantic_core_schema__, ()):
                count += 1
                if (operation.view_func.__name__, path[-1] if path else "") in API_EXCEPTIONS:
                    continue
                problems.append(f"{label}: {'.'.join(path)} is a plain {kind}")
    assert count >= len(API_EXCEPTIONS)  # the walk sees fields (the exceptions at least)
    assert not problems, "\n".join(problems)


def _form_classes():
    for module_info in pkgutil.walk_packages(cxq.__path__, "cxq."):
        if module_info.name.endswith(".forms"):
            module = importlib.import_module(module_info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls
        elif module_info.name.endswith(".filters"):
            # a list's filter set (cxq/lib/filters.py): its page form and the form the API validates with
            module = importlib.import_module(module_info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, FilterSet) and cls._meta.model and cls.__module__ == module.__name__:
                    for api in (False, True):
                        form_class = cls(api=api).get_form_class()
                        form_class.__name__ = f"{cls.__name__}{'(api)' if api else ''}"
                        form_class.__module__ = module.__name__
                        yield form_class


SAFE_TEXT = (inputs.TextField, inputs.MultilineTextField, inputs.EmailField, forms.SlugField, forms.UUIDField)


def test_every_form_field_is_typed_text_day_or_moment():
    problems = []
    classes = list(_form_classes())
    for cls in classes:
        for name, field in cls.base_fields.items():
            if (cls.__name__, name) in FORM_EXCEPTIONS:
                continue
            if isinstance(field, forms.CharField) and not isinstance(field, SAFE_TEXT):
                problems.append(f"{cls.__module__}.{cls.__name__}.{name} is a plain {type(field).__name__}")
            if isinstance(field, forms.DateTimeField) and not isinstance(field, inputs.DateTimeField):
                problems.append(f"{cls.__module__}.{cls.__name__}.{name} is an unbounded DateTimeField")
            elif isinstance(field, forms.DateField) and not isinstance(field, inputs.DateField):
                problems.append(f"{cls.__module__}.{cls.__name__}.{name} is an unbounded DateField")
    assert len(classes) > 10
    assert not problems, "\n".join(problems)
