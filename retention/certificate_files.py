"""A destruction certificate as a file: CSV rows and a PDF (issue 14: "Certificates are listed,
and can be downloaded as PDF and CSV").

Both hold the certificate's fields and nothing else, so a file identifies no one, as the
certificate does not (retention.models.DestructionCertificate): the keyed reference, the rule
and its date, the categories and row counts destroyed, when, the destruction list, who
proposed and who approved it, and the software version. The PDF is drawn with fpdf2 and its
core Helvetica font, whose text is Latin-1: a character outside it is written as "?".
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from retention.models import DestructionCertificate

CSV_COLUMNS = [
    "reference",
    "rule",
    "due_date",
    "categories",
    "row_counts",
    "destroyed_at",
    "proposed_by",
    "approved_by",
    "software_version",
]


def certificate_csv_row(certificate: DestructionCertificate) -> list[str]:
    """The certificate as one CSV row, in CSV_COLUMNS' order."""
    return [
        certificate.reference,
        certificate.rule,
        certificate.due_date.isoformat(),
        "; ".join(certificate.categories),
        "; ".join(f"{table}={n}" for table, n in certificate.row_counts.items()),
        certificate.destroyed_at.isoformat(),
        certificate.proposed_by.get_username(),
        certificate.approved_by.get_username(),
        certificate.software_version,
    ]


def _latin1(text: object) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _when(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%d %B %Y, %H:%M} ({local.tzname()})"


def certificate_pdf(certificate: DestructionCertificate, *, service_name: str) -> bytes:
    """The certificate as a one-page (or longer, for many tables) A4 PDF."""
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Destruction certificate {certificate.reference[:16]}"))
    pdf.set_creator(_latin1(service_name))
    pdf.set_creation_date(certificate.destroyed_at)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, *, size: int = 11, style: str = "", height: float = 6) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(width, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(service_name, size=10)
    line("Destruction certificate", size=20, style="B", height=10)
    pdf.ln(2)
    line(
        "A child's record was destroyed under the retention rule below. This certificate "
        "identifies no one: its reference is a keyed hash (HMAC-SHA256) of the record's id, "
        "so whether a given child was destroyed can be checked from their id.",
        size=10,
        height=5,
    )
    pdf.ln(3)
    fields = [
        ("Reference", certificate.reference),
        ("Rule", certificate.rule),
        ("Due on", f"{certificate.due_date:%d %B %Y}"),
        ("Destroyed", _when(certificate.destroyed_at)),
        ("Destruction list", str(certificate.destruction_list_id)),
        ("Proposed by", certificate.proposed_by.get_username()),
        ("Approved by", certificate.approved_by.get_username()),
        ("Software version", certificate.software_version),
        ("Categories destroyed", ", ".join(certificate.categories) or "None"),
    ]
    pdf.set_font("Helvetica", size=10)
    with pdf.table(col_widths=(35, 110), text_align="LEFT", first_row_as_headings=False) as table:
        for label, value in fields:
            row = table.row()
            row.cell(_latin1(label))
            row.cell(_latin1(value))
    pdf.ln(5)
    line("Rows destroyed, by table", size=13, style="B", height=8)
    pdf.set_font("Helvetica", size=10)
    total = sum(certificate.row_counts.values())
    with pdf.table(col_widths=(110, 35), text_align=("LEFT", "RIGHT")) as table:
        heading = table.row()
        heading.cell("Table")
        heading.cell("Rows")
        for name, count in certificate.row_counts.items():
            row = table.row()
            row.cell(_latin1(name))
            row.cell(str(count))
        row = table.row()
        row.cell("Total")
        row.cell(str(total))
    return bytes(pdf.output())
