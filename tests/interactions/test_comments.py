from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cxq.interactions import comments
from cxq.interactions.models import Comment
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.notifications.models import Notification, OutboundEmail


@pytest.fixture
def interaction(personas, payload):
    return interaction_upsert(data=InteractionIn.model_validate(payload))[0]


def test_a_mention_notifies_in_app_and_by_email_with_a_link_to_the_comment(
    personas, interaction, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = comments.comment_create(
            by=personas.supervisor_a,
            interaction=interaction,
            body="Nice recovery",
            utterance_index=1,
            mentions=[personas.evaluator],
        )
    note = Notification.objects.get(recipient=personas.evaluator, kind="comment.mention")
    assert note.url == f"/interactions/{interaction.uuid}/#comment-{comment.uuid}"
    assert mailoutbox[0].to == [personas.evaluator.email]
    assert f"/interactions/{interaction.uuid}/#comment-{comment.uuid}" in mailoutbox[0].body
    assert OutboundEmail.objects.get().status == "sent"


def test_agents_never_see_private_comments_in_the_page_or_the_api(client_for, personas, interaction):
    comments.comment_create(
        by=personas.supervisor_a, interaction=interaction, body="Coach on empathy", visibility="private"
    )
    public = comments.comment_create(by=personas.supervisor_a, interaction=interaction, body="Well done")
    html = client_for("agent_a1").get(reverse("interactions:detail", args=[interaction.uuid])).content.decode()
    assert "Well done" in html and "Coach on empathy" not in html
    api = client_for("agent_a1").get(f"/api/v1/interactions/{interaction.uuid}/comments").json()
    assert [c["body"] for c in api] == ["Well done"]
    private = Comment.objects.get(visibility="private")
    assert (
        client_for("agent_a1")
        .patch(f"/api/v1/comments/{private.uuid}", json.dumps({"body": "x"}), content_type="application/json")
        .status_code
        == 404
    )
    staff = client_for("evaluator").get(f"/api/v1/interactions/{interaction.uuid}/comments").json()
    assert {c["body"] for c in staff} == {"Well done", "Coach on empathy"}
    assert public.visibility == "public"


def test_agents_cannot_write_private_comments_or_mention_people_who_cannot_read_them(personas, interaction):
    with pytest.raises(PermissionDenied):
        comments.comment_create(by=personas.agent_a1, interaction=interaction, body="hi", visibility="private")
    with pytest.raises(ValidationError, match="cannot read this comment"):
        comments.comment_create(
            by=personas.supervisor_a,
            interaction=interaction,
            body="psst",
            visibility="private",
            mentions=[personas.agent_a1],
        )
    with pytest.raises(ValidationError, match="cannot read"):
        comments.comment_create(
            by=personas.supervisor_a, interaction=interaction, body="hi", mentions=[personas.agent_b1]
        )
    assert not Comment.objects.exists()


def test_replies_stay_private_in_a_private_thread_and_tell_the_author(personas, interaction):
    thread = comments.comment_create(by=personas.supervisor_a, interaction=interaction, body="Q?", visibility="private")
    reply = comments.comment_create(by=personas.evaluator, interaction=interaction, body="A.", parent=thread)
    assert reply.visibility == "private"
    assert Notification.objects.filter(recipient=personas.supervisor_a, kind="comment.reply").exists()
    with pytest.raises(ValidationError):
        comments.comment_create(by=personas.evaluator, interaction=interaction, body="nested", parent=reply)


def test_only_the_author_edits_or_deletes_a_comment(personas, interaction):
    comment = comments.comment_create(by=personas.agent_a1, interaction=interaction, body="I disagree")
    with pytest.raises(PermissionDenied):
        comments.comment_update(by=personas.supervisor_a, comment=comment, body="changed")
    comments.comment_update(by=personas.agent_a1, comment=comment, body="I partly disagree")
    comment.refresh_from_db()
    assert comment.body == "I partly disagree" and comment.edited_at
    with pytest.raises(PermissionDenied):
        comments.comment_delete(by=personas.admin, comment=comment)
    comments.comment_delete(by=personas.agent_a1, comment=comment)
    assert not Comment.objects.exists()


def test_a_comment_must_point_inside_the_transcript(personas, interaction):
    with pytest.raises(ValidationError, match="utterances 0–2"):
        comments.comment_create(by=personas.supervisor_a, interaction=interaction, body="x", utterance_index=7)
    with pytest.raises(ValidationError):
        comments.comment_create(by=personas.supervisor_a, interaction=interaction, body="   ")


def test_the_page_form_adds_a_comment_on_a_line_with_a_mention(client_for, personas, interaction):
    response = client_for("supervisor_a").post(
        reverse("interactions:comment_create", args=[interaction.uuid]),
        {
            "body": "Listen to this",
            "visibility": "public",
            "utterance_index": "2",
            "mentions": [str(personas.evaluator.uuid)],
        },
    )
    comment = Comment.objects.get()
    assert response.url.endswith(f"#comment-{comment.uuid}")
    assert (comment.utterance_index, list(comment.mentions.all())) == (2, [personas.evaluator])


def test_the_api_creates_a_comment_and_refuses_unknown_mentions(client_for, personas, interaction):
    client = client_for("supervisor_a")
    url = f"/api/v1/interactions/{interaction.uuid}/comments"
    bad = client.post(
        url,
        json.dumps({"body": "x", "mentions": ["00000000-0000-0000-0000-000000000000"]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and not Comment.objects.exists()
    good = client.post(url, json.dumps({"body": "x", "timestamp": 4.5}), content_type="application/json")
    assert good.status_code == 201 and good.json()["timestamp"] == 4.5


def test_a_mention_of_someone_outside_my_scope_is_refused_without_their_name(client_for, personas, interaction):
    # Supervisor A leads team A only: Bea Agent (team B) is not someone they may see.
    with pytest.raises(ValidationError) as exc:
        comments.comment_create(
            by=personas.supervisor_a, interaction=interaction, body="hi", mentions=[personas.agent_b1]
        )
    assert exc.value.message_dict == {"mentions": ["One of the people you mentioned cannot read this comment."]}
    response = client_for("supervisor_a").post(
        f"/api/v1/interactions/{interaction.uuid}/comments",
        json.dumps({"body": "hi", "mentions": [str(personas.agent_b1.uuid), str(personas.manager_b.uuid)]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "mentions: 2 of the people you mentioned cannot read this comment."
    assert "Bea" not in response.content.decode() and "Max" not in response.content.decode()
    assert not Comment.objects.exists()


def test_a_mention_of_someone_i_may_see_who_cannot_read_the_comment_names_them(personas, interaction):
    with pytest.raises(ValidationError) as exc:
        comments.comment_create(
            by=personas.supervisor_a,
            interaction=interaction,
            body="psst",
            visibility="private",
            mentions=[personas.agent_a1, personas.agent_b1],
        )
    assert exc.value.message_dict == {
        "mentions": ["Andy Agent cannot read this comment. Nor can 1 other person you mentioned."]
    }
    assert not Comment.objects.exists()


def test_the_comment_form_answers_a_mention_outside_my_scope_without_the_name(client_for, personas, interaction):
    client = client_for("supervisor_a")
    response = client.post(
        reverse("interactions:comment_create", args=[interaction.uuid]),
        {"body": "hi", "visibility": "public", "mentions": [str(personas.agent_b1.uuid)]},
        follow=True,
    )
    html = response.content.decode()
    assert "One of the people you mentioned cannot read this comment." in html
    assert "Bea Agent" not in html
    assert not Comment.objects.exists()
