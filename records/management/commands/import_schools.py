from records.management.import_command import ImportCommand
from records.models import ImportKind


class Command(ImportCommand):
    kind = ImportKind.SCHOOLS
    help = (
        "Load or refresh the schools reference table from the GIAS establishments CSV "
        "(edubasealldata); see docs/imports/schools.md."
    )
