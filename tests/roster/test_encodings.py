"""SIS exports made on Windows are often Windows-1252, not UTF-8: names with accents must land
as written (never as replacement characters), with a located warning, and a file that mixes
both keeps each row's own encoding."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lti_tool.bootstrap import Container
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import Severity
from tests.roster.conftest import package, run_import, stored

STUDENT = "st{n},,,true,s1,student,stu{n},,Student,Number{n},,,,,,,,\n"


def _package_with_users(tmp_path: Path, users: bytes) -> Path:
    folder = tmp_path / "package"
    shutil.copytree(package("v11_bulk"), folder)
    (folder / "users.csv").write_bytes(users)
    return folder


def _users(filler_rows: int, *tail: bytes) -> bytes:
    original = (package("v11_bulk") / "users.csv").read_bytes()
    filler = "".join(STUDENT.format(n=1000 + n) for n in range(filler_rows)).encode()
    return original + filler + b"".join(tail)


@pytest.mark.parametrize("filler_rows", [0, 2000], ids=["in-the-first-chunk", "far-down"])
def test_windows_1252_names_land_as_written_with_a_located_warning(
    container: Container, scope: str, tmp_path: Path, filler_rows: int
) -> None:
    jose = "tw1,,,true,s1,teacher,jnunez,,José,Núñez,,,jose@riverbend.example,,,,,\n"
    zoe = "tw2,,,true,s1,teacher,zoe,,Zoë,Ångström,,,zoe@riverbend.example,,,,,\n"
    lukasz = "tw3,,,true,s1,teacher,lukasz,,Łukasz,Nowak,,,lukasz@riverbend.example,,,,,\n"
    users = _users(
        filler_rows,
        jose.encode("cp1252"),
        zoe.encode("cp1252"),
        lukasz.encode("utf-8"),  # the same file, one row in UTF-8 (Ł has no cp1252 byte)
    )
    report = run_import(container, _package_with_users(tmp_path, users), scope)

    stored_users = stored(container, Entity.USERS, scope)
    assert (stored_users["tw1"]["given_name"], stored_users["tw1"]["family_name"]) == (
        "José",
        "Núñez",
    )
    assert stored_users["tw2"]["given_name"] == "Zoë"
    assert stored_users["tw2"]["family_name"] == "Ångström"
    assert stored_users["tw3"]["given_name"] == "Łukasz"
    assert f"st{1000 + filler_rows - 1}" in stored_users or filler_rows == 0
    (warning,) = [p for p in report.problems if p.code == "NOT_UTF8"]
    first_line = len(users.split(b"\n")) - 3  # the José row
    assert (warning.file, warning.line, warning.severity) == (
        "users.csv",
        first_line,
        Severity.WARNING,
    )
    assert "2 lines" in warning.message and "Windows-1252" in warning.message
    assert report.count("users").skipped == 0


def test_a_utf8_file_gets_no_encoding_warning(container: Container, scope: str) -> None:
    report = run_import(container, package("v11_bulk"), scope)
    assert not [p for p in report.problems if p.code == "NOT_UTF8"]


def test_bytes_windows_1252_leaves_undefined_still_land(
    container: Container, scope: str, tmp_path: Path
) -> None:
    """0x81, 0x8D, 0x8F, 0x90 and 0x9D have no Windows-1252 character: read as Latin-1 (as
    browsers do), the row lands instead of being refused for a replacement character."""
    row = "tw9,,,true,s1,teacher,odd,,Ana,Ma\x8frs,,,ana@riverbend.example,,,,,\n"
    users = _users(0, row.encode("latin-1"))
    report = run_import(container, _package_with_users(tmp_path, users), scope)

    assert stored(container, Entity.USERS, scope)["tw9"]["family_name"] == "Ma\x8frs"
    assert report.count("users").skipped == 0
    assert [p.code for p in report.problems if p.file == "users.csv"] == ["NOT_UTF8"]


def test_a_nul_byte_or_an_overlong_sourced_id_skips_only_that_row(
    container: Container, scope: str, tmp_path: Path
) -> None:
    """PostgreSQL stores no NUL in text and sourcedId is 255 characters wide: both are refused
    as located row errors (before, the database refused them and the import ended in a stack
    trace on PostgreSQL); the rest of the file lands."""
    nul = "tw1,,,true,s1,teacher,nul,,Nu\x00l,Byte,,,nul@riverbend.example,,,,,\n"
    long_id = "t" * 256
    too_long = f"{long_id},,,true,s1,teacher,long,,Long,Id,,,long@riverbend.example,,,,,\n"
    fine = "tw3,,,true,s1,teacher,fine,,Fine,Row,,,fine@riverbend.example,,,,,\n"
    users = _users(0, nul.encode(), too_long.encode(), fine.encode())
    report = run_import(container, _package_with_users(tmp_path, users), scope)

    stored_users = stored(container, Entity.USERS, scope)
    assert "tw3" in stored_users and "tw1" not in stored_users and long_id not in stored_users
    lines = len(users.split(b"\n")) - 1
    found = {(p.code, p.line, p.column) for p in report.problems if p.file == "users.csv"}
    assert found == {
        ("NUL_CHARACTER", lines - 2, "givenName"),
        ("VALUE_TOO_LONG", lines - 1, "sourcedId"),
    }
    assert report.count("users").skipped == 2
