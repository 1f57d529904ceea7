from datetime import datetime

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from cxq.audit import selectors
from cxq.audit.filters import AuditFilter
from cxq.lib.apischema import errors
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


@router.get(
    "", response={200: list[AuditOut], **errors(400, 403, 422)}, summary="The audit log (audit.view), newest first"
)
@paginate(CursorPagination, ordering=("-id",))
def audit_list(request, filters: Query[AuditFilter.api_schema()]):
    return selectors.audit_list(viewer=request.user, filters=AuditFilter.from_api(filters))
