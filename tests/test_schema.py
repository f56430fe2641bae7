"""schema.graphql is generated from the code; it must not drift."""

from pathlib import Path

from grassroots.cli import main
from grassroots.graphql.schema import export_sdl

ROOT = Path(__file__).resolve().parents[1]
CORE_OPERATIONS = {
    "Query": [
        "me",
        "node",
        "nodes",
        "regions",
        "departments",
        "categories",
        "cases",
        "caseByNumber",
        "events",
    ],
    "Mutation": [
        "login",
        "reportCase",
        "intakeCase",
        "acceptCase",
        "rejectCase",
        "mergeCase",
        "whistleCase",
        "claimCase",
        "arriveOnSite",
        "resolveCase",
        "rateCase",
        "reopenCase",
        "closeCase",
        "escalateCase",
        "commentOnCase",
        "createApiToken",
    ],
}


def test_checked_in_schema_matches_the_code() -> None:
    checked_in = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert checked_in == export_sdl(), "run `make schema` and commit schema.graphql"


def test_export_schema_command_writes_the_sdl(tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    assert main(["export-schema", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == export_sdl()


def test_the_operations_clients_depend_on_exist() -> None:
    sdl = export_sdl()
    for type_name, fields in CORE_OPERATIONS.items():
        block = sdl.split(f"type {type_name} {{", 1)[1].split("\n}", 1)[0]
        for field in fields:
            assert f"\n  {field}(" in block or f"\n  {field}:" in block, f"{type_name}.{field}"
