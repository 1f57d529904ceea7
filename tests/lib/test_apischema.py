"""The public-id pieces of the API's schemas (cxq/lib/apischema.py, docs/api.md#basics)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from uuid import UUID

from ninja import Schema

from cxq.lib.apischema import PublicIdOut, uuid_of


class ThingOut(PublicIdOut):
    name: str
    owner: UUID | None
    grand: UUID | None

    resolve_owner = uuid_of("owner")
    resolve_grand = uuid_of("owner.parent")


def _thing(owner=None):
    return SimpleNamespace(uuid=uuid.uuid4(), pk=7, name="A thing", owner=owner)


def test_the_id_is_the_objects_uuid_not_its_key():
    thing = _thing()
    assert ThingOut.from_orm(thing).model_dump()["id"] == thing.uuid


def test_a_related_objects_id_is_read_through_the_path():
    parent = SimpleNamespace(uuid=uuid.uuid4())
    owner = SimpleNamespace(uuid=uuid.uuid4(), parent=parent)
    out = ThingOut.from_orm(_thing(owner)).model_dump()
    assert (out["owner"], out["grand"]) == (owner.uuid, parent.uuid)


def test_no_related_object_anywhere_on_the_path_is_null():
    out = ThingOut.from_orm(_thing(SimpleNamespace(uuid=uuid.uuid4(), parent=None))).model_dump()
    assert out["grand"] is None
    assert ThingOut.from_orm(_thing(None)).model_dump()["grand"] is None


def test_the_id_stays_the_first_property_of_the_schema():
    class Later(PublicIdOut):
        name: str

    assert list(Later.model_json_schema()["properties"]) == ["id", "name"]
    assert Later.model_json_schema()["properties"]["id"]["format"] == "uuid"


def test_no_api_schema_writes_its_own_uuid_resolver():
    """Every output schema whose id is an object's uuid derives from PublicIdOut, and a related
    object's id is ``uuid_of``: a new ``def resolve_…`` returning ``obj….uuid`` is the repetition
    these removed (analytics' ids are read from rows, not objects)."""
    import inspect
    import re

    from cxq.api import api

    api.get_openapi_schema()  # imports every router
    offenders = []
    seen: set[type] = set()
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("cxq."):
            continue
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):  # made at run time (a filter set's query schema)
            continue
        if re.search(r"def resolve_\w+\(obj\):\n\s+return obj(\.\w+)*\.uuid\n", source):
            offenders.append(f"{cls.__module__}.{cls.__qualname__}")
    assert offenders == []
