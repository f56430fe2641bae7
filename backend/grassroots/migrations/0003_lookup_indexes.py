from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0002_webhooks_calendar_working_days")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="ApiToken",
            index=Index(fields=["account_id"]),
        ),
        ops.AddIndex(
            model_name="Assignment",
            index=Index(fields=["member_id"]),
        ),
        ops.AddIndex(
            model_name="Case",
            index=Index(fields=["reporter_id", "id"]),
        ),
        ops.AddIndex(
            model_name="CaseDepartment",
            index=Index(fields=["department_id", "case_id"]),
        ),
        ops.AddIndex(
            model_name="CaseRating",
            index=Index(fields=["case_id"]),
        ),
        ops.AddIndex(
            model_name="ListItemCase",
            index=Index(fields=["case_id"]),
        ),
        ops.AddIndex(
            model_name="ListItemPhoto",
            index=Index(fields=["list_item_id"]),
        ),
        ops.AddIndex(
            model_name="PartyMember",
            index=Index(fields=["organisation_id"]),
        ),
        ops.AddIndex(
            model_name="Photo",
            index=Index(fields=["case_id"]),
        ),
        ops.AddIndex(
            model_name="Region",
            index=Index(fields=["parent_id"]),
        ),
        ops.AddIndex(
            model_name="RoleBinding",
            index=Index(fields=["account_id"]),
        ),
        ops.AddIndex(
            model_name="ServiceTask",
            index=Index(fields=["origin_list_item_id"]),
        ),
        ops.AddIndex(
            model_name="ServiceTask",
            index=Index(fields=["origin_case_id"]),
        ),
        ops.AddIndex(
            model_name="Whistle",
            index=Index(fields=["case_id"]),
        ),
        ops.AddIndex(
            model_name="WhistleResponse",
            index=Index(fields=["department_id"]),
        ),
    ]
