"""The PDF certificate of one award, carrying what states require: provider name and number,
educator name and id, activity title, date, hours and unit, and the verification link.

Text is set in DejaVu Sans, vendored in ``fonts/`` (Bitstream Vera licence, see
``fonts/LICENSE``), so Latin with its diacritics (Zoë, Ngô, Đặng, Łukasz), Greek, Cyrillic, Armenian
and Georgian print as written (ADR 0016). Characters the font has no glyph for (Chinese,
Japanese, Korean, Indic scripts, emoji), and right-to-left scripts (Hebrew, Arabic: fpdf2
would lay them out left to right, unshaped) are printed as U+FFFD ``�`` rather than
silently dropped, the certificate says so under the fields, and the document's subject keeps the
names exactly as written (PDF metadata is Unicode).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fpdf import FPDF

from connectors.pdms.csv_export.mapping import UNIT_WORDS
from lti_tool.domain.delivery import DeliveryItem

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVuSans"
REPLACEMENT = "\ufffd"
RTL = frozenset({"R", "AL"})
UNPRINTABLE_NOTE = (
    f"Characters this certificate's font cannot print are shown as {REPLACEMENT}; "
    "the verification link shows every name as written."
)


class _Certificate:
    """One document: writes text in the vendored font, replacing what it cannot print."""

    def __init__(self) -> None:
        self.pdf = FPDF(orientation="L", unit="mm", format="Letter")
        self.pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.replaced = False

    def printable(self, text: str) -> str:
        """``text`` with each character the current font lacks (or would print backwards)
        replaced by ``�``.

        fpdf2 would leave missing characters out without a trace (``李雷`` would print nothing)."""
        font = self.pdf.current_font
        assert font is not None
        cmap = font.cmap  # type: ignore[union-attr]
        out = []
        for char in text:
            printable = ord(char) in cmap and unicodedata.bidirectional(char) not in RTL
            if printable or char in "\n\r\t":
                out.append(char)
            else:
                out.append(REPLACEMENT)
                self.replaced = True
        return "".join(out)

    def line(self, text: str, style: str, size: int, height: float, *, wrap: bool = False) -> None:
        self.pdf.set_font(FAMILY, style, size)
        if wrap:
            self.pdf.multi_cell(
                0, height, self.printable(text), align="C", new_x="LMARGIN", new_y="NEXT"
            )
        else:
            self.pdf.cell(0, height, self.printable(text), align="C", new_x="LMARGIN", new_y="NEXT")


def certificate_pdf(item: DeliveryItem) -> bytes:
    """A one-page landscape certificate as PDF bytes."""
    doc = _Certificate()
    pdf = doc.pdf
    pdf.set_title(f"Certificate: {item.credential_title}")
    pdf.set_subject(f"{item.educator_name} ({item.educator_id}): {item.credential_title}")
    pdf.set_creator("credbridge")
    pdf.add_page()
    doc.line("Certificate of Completion", "B", 24, 16)
    doc.line("This certifies that", "", 14, 10)
    doc.line(item.educator_name, "B", 20, 14)
    doc.line("earned the micro-credential", "", 14, 10)
    doc.line(item.credential_title, "B", 16, 10, wrap=True)
    pdf.ln(4)
    pdf.set_font(FAMILY, "", 12)
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
        pdf.cell(0, 8, doc.printable(value), new_x="LMARGIN", new_y="NEXT")
    if doc.replaced:
        pdf.ln(4)
        pdf.set_font(FAMILY, "", 9)
        pdf.multi_cell(0, 5, UNPRINTABLE_NOTE, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
