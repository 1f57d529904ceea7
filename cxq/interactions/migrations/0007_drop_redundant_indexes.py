"""Drop single-column foreign-key indexes that a composite index already covers (every insert paid for
them: PF-2). Only the indexes are dropped — on SQLite an AlterField would copy the whole table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_orgsettings_dispute_window_days_and_more"),
        ("interactions", "0006_search_plans"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="interaction",
            name="agent",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="interactions",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="interaction",
            name="team",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.AlterField(
            model_name="phrasehit",
            name="phrase_set",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hits",
                to="interactions.phraseset",
            ),
        ),
        migrations.AlterField(
            model_name="utterance",
            name="interaction",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="utterances",
                to="interactions.interaction",
            ),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})",
                )
                for name, table, column in [
                    ("interactions_interaction_agent_id_318cb319", "interactions_interaction", "agent_id"),
                    ("interactions_interaction_team_id_89043cea", "interactions_interaction", "team_id"),
                    ("interactions_phrasehit_phrase_set_id_2b173c56", "interactions_phrasehit", "phrase_set_id"),
                    ("interactions_utterance_interaction_id_8c4bed6d", "interactions_utterance", "interaction_id"),
                ]
            ],
        )
    ]
