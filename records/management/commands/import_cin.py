from records.management.import_command import ImportCommand
from records.models import ImportKind


class Command(ImportCommand):
    kind = ImportKind.CIN
    help = (
        "Import the Children in Need census (DfE XML): children, CIN and child protection plan "
        "episodes; see docs/imports/cin.md."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="add children the record does not have, with a placeholder name (default: "
            "reject them)",
        )

    def options_for_run(self, options: dict) -> dict:
        return {"create_missing": bool(options.get("create_missing"))}
