"""The PDF certificate of one award, carrying what states require: provider name and number,
educator name and id, activity title, date, hours and unit, and the verification link.

fpdf2's core fonts cover Latin-1; other characters are written as ``?`` (ADR 0011).
"""

from __future__ import annotations

from fpdf import FPDF

from connectors.pdms.csv_export.mapping import UNIT_WORDS
from lti_tool.domain.delivery import DeliveryItem


def _latin1(text: str) -> str:
    return text.encode("latin-1", errors="replace").decode("latin-1")


def certificate_pdf(item: DeliveryItem) -> bytes:
    """A one-page landscape certificate as PDF bytes."""
    pdf = FPDF(orientation="L", unit="mm", format="Letter")
    pdf.set_title(_latin1(f"Certificate: {item.credential_title}"))
    pdf.set_creator("credbridge")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 24)
    pdf.cell(0, 16, "Certificate of Completion", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 10, "This certifies that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 14, _latin1(item.educator_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 10, "earned the micro-credential", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 10, _latin1(item.credential_title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 12)
    unit = UNIT_WORDS.get(item.credit_unit, item.credit_unit)
    amount = item.credit_amount if item.lines else item.clock_hours
    rows = [
        ("Educator ID", item.educator_id),
        ("Date", item.awarded_at.date().isoformat()),
        ("Credit", f"{amount} {unit}"),
        ("Clock hours", str(item.clock_hours)),
        ("Provider", item.provider_name),
        ("Provider number", item.provider_number or "-"),
        ("Verify at", item.verification_url),
    ]
    for label, value in rows:
        pdf.cell(50, 8, f"{label}:", new_x="RIGHT", new_y="TOP")
        pdf.cell(0, 8, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
