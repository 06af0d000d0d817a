"""The PDF certificate prints educators' names as written: text extracted with pypdf and checked.

Scripts the vendored DejaVu Sans covers come back character for character; characters it has no
glyph for (CJK) or cannot lay out (right-to-left) come back as U+FFFD with a note, never as a
silently shortened line, and the document's subject keeps the name exactly.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from connectors.pdms.csv_export.certificate import REPLACEMENT, UNPRINTABLE_NOTE, certificate_pdf
from tests.delivery.conftest import District
from tests.delivery.test_targets import item


def extracted(pdf: bytes) -> tuple[str, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = unicodedata.normalize("NFC", reader.pages[0].extract_text())
    subject = reader.metadata.subject if reader.metadata else None
    return text, str(subject)


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ngô",
        "Đặng Thị Hương",
        "Łukasz Żółkiewski",
        "Søren Ærø-Ødegård",
        "Σωκράτης Παπαδόπουλος",
        "Дмитрий Иванов",
        "Nguyễn Văn Ánh",
    ],
)
def test_names_in_covered_scripts_print_as_written(name: str) -> None:
    text, subject = extracted(certificate_pdf(item(educator_name=name)))
    assert name in lines_of(text)
    assert REPLACEMENT not in text and UNPRINTABLE_NOTE.split(";")[0] not in " ".join(
        lines_of(text)
    )
    assert subject.startswith(f"{name} (E00042)")


def test_a_vietnamese_title_wraps_and_keeps_its_marks() -> None:
    title = "Đánh giá hình thành: câu hỏi bản lề cho lớp học Tiếng Việt và Toán"
    text, _ = extracted(certificate_pdf(item(credential_title=title)))
    assert " ".join(" ".join(lines_of(text)).split()).count("câu hỏi bản lề") == 1
    assert "Đánh giá" in text and "Tiếng Việt" in text


def test_characters_without_a_glyph_are_marked_not_dropped() -> None:
    pdf = certificate_pdf(
        item(educator_name="李雷 (Li Lei) Zoë", credential_title="Hinge Questions 問題")
    )
    text, subject = extracted(pdf)
    flat = lines_of(text)
    assert f"{REPLACEMENT * 2} (Li Lei) Zoë" in flat  # the line is there, each unknown marked
    assert f"Hinge Questions {REPLACEMENT * 2}" in flat
    assert " ".join(UNPRINTABLE_NOTE.split()) in " ".join(flat)
    assert subject == "李雷 (Li Lei) Zoë (E00042): Hinge Questions 問題"  # exact in metadata
    for expected in ("Maple PD Center", "TN-PD-0042", "E00042", "2026-11-02", "15 Clock Hours"):
        assert expected in text, expected


def test_right_to_left_text_is_marked_rather_than_printed_backwards() -> None:
    text, subject = extracted(certificate_pdf(item(educator_name="שרה Cohen")))
    assert f"{REPLACEMENT * 3} Cohen" in lines_of(text)
    assert "שרה" not in text and "הרש" not in text
    assert subject.startswith("שרה Cohen")


def test_the_csv_export_target_writes_the_certificate_with_the_name_as_written(
    district: District, tmp_path: Path
) -> None:
    container = district.container
    folder = tmp_path / "exports"
    container.delivery_admin.add_target(
        None, "csv_export", "generic", {"template": "generic", "dir": str(folder)}, {}
    )
    award_id = district.award("Đặng Thị Hương")
    container.worker.drain()
    text, subject = extracted((folder / f"certificate-{award_id}.pdf").read_bytes())
    assert "Đặng Thị Hương" in lines_of(text) and REPLACEMENT not in text
    assert subject.startswith("Đặng Thị Hương (")
