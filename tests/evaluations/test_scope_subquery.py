"""evaluation_scope is an ordinary queryset: it can be nested in another query (``__in=`` a subquery) and
keeps its meaning there (docs/evaluations.md)."""

from __future__ import annotations

from cxq.evaluations.models import Evaluation
from cxq.evaluations.selectors import evaluation_scope
from cxq.interactions.models import Interaction


def test_the_scope_means_the_same_nested_in_another_query(personas, completed):
    assert not personas.manager_b.can("scope.all_teams") and personas.manager_b.can("evaluations.create")
    for viewer, seen in ((personas.supervisor_a, True), (personas.evaluator, True), (personas.manager_b, False)):
        scope = evaluation_scope(viewer=viewer)
        expected = {completed.pk} if seen else set()
        assert set(scope.values_list("pk", flat=True)) == expected, viewer
        nested = Evaluation.objects.filter(pk__in=scope.values("pk"))
        assert set(nested.values_list("pk", flat=True)) == expected, viewer
        calls = Interaction.objects.filter(pk__in=scope.values("interaction_id"))
        assert set(calls.values_list("pk", flat=True)) == ({completed.interaction_id} if seen else set()), viewer
