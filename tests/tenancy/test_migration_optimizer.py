"""What the migration optimizer (squashmigrations, makemigrations) may fold across the row-level security
and append-only operations: another model's changes and this model's other fields, indexes and options
move before them (so they fold into CreateModel); the table's creation, deletion, renaming, the columns
the policies and triggers read, and raw SQL or Python never do."""

from django.db import migrations, models
from django.db.migrations.optimizer import MigrationOptimizer

from tenancy.append_only import AppendOnly
from tenancy.rls import EnableRowLevelSecurity

RLS = EnableRowLevelSecurity("Widget", user_column="user_id")
APPEND_ONLY = AppendOnly("Widget")


def _moves(operation, before) -> bool:
    return before.reduce(operation, "tenancy") is True


def test_another_models_changes_and_this_models_other_columns_move_across():
    for before in (RLS, APPEND_ONLY):
        assert _moves(migrations.AddField("Gadget", "size", models.IntegerField(default=0)), before)
        assert _moves(migrations.AddField("Widget", "size", models.IntegerField(default=0)), before)
        assert _moves(migrations.AlterField("Widget", "name", models.CharField(max_length=90)), before)
        assert _moves(
            migrations.AddIndex("Widget", models.Index(fields=["tenant", "name"], name="widget_name_idx")), before
        )
        assert _moves(migrations.AlterModelOptions("Widget", {"ordering": ["name"]}), before)


def test_the_table_the_columns_it_reads_and_raw_sql_never_move_across():
    for before in (RLS, APPEND_ONLY):
        assert not _moves(migrations.DeleteModel("Widget"), before)
        assert not _moves(migrations.RenameModel("Widget", "Gizmo"), before)
        assert not _moves(migrations.AlterModelTable("Widget", "tenancy_gizmo"), before)
        assert not _moves(migrations.RemoveField("Widget", "tenant"), before)
        assert not _moves(migrations.RunSQL("UPDATE tenancy_widget SET name = ''"), before)
        assert not _moves(migrations.RunPython(migrations.RunPython.noop), before)
    assert not _moves(migrations.RemoveField("Widget", "user"), RLS)  # the user policy reads it
    assert not _moves(migrations.DeleteModel("Tenant"), APPEND_ONLY)  # its trigger reads the tenant table


def test_a_later_field_folds_into_create_model_and_the_policy_stays_after_it():
    create = migrations.CreateModel(
        "Widget",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("tenant", models.ForeignKey("tenancy.Tenant", models.CASCADE)),
        ],
    )
    added = migrations.AddField("Widget", "size", models.IntegerField(default=0))
    optimized = MigrationOptimizer().optimize([create, RLS, added], "tenancy")
    assert [type(operation) for operation in optimized] == [migrations.CreateModel, EnableRowLevelSecurity]
    assert [name for name, _ in optimized[0].fields] == ["id", "tenant", "size"]
