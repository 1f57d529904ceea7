from datetime import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from cxq.audit import selectors
from cxq.lib.apischema import OptionalUUID, errors, id_text
from cxq.lib.inputs import Day, Text
from cxq.lib.pagination import CursorPagination

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    created_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    ip_address: str | None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor_label


@router.get("", response={200: list[AuditOut], **errors(403, 422)}, summary="The audit log (audit.view), newest first")
@paginate(CursorPagination, ordering=("-id",))
def audit_list(
    request,
    actor: OptionalUUID = None,
    action: Text = "",
    object_type: Text = "",
    object_id: Text = "",
    search: Text = "",
    date_from: Day | None = None,
    date_to: Day | None = None,
):
    return selectors.audit_list(
        viewer=request.user,
        actor_uuid=id_text(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        search=search,
        date_from=date_from,
        date_to=date_to,
    )
