"""Synthetic OneRoster districts of any size, as 1.1 or 1.2 CSV packages (folders), streamed
to disk row by row: ``python -m bench.roster_generate OUT --students 100000 --enrollments 1000000``.

Deterministic: the same sizes give the same files. Each teacher teaches five classes; students
are spread over the classes; a 1.2 package carries a ``roles.csv`` with one primary role per user.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CLASSES_PER_TEACHER = 5
STAMP = "2026-08-01T00:00:00.000Z"
LATER = "2026-09-15T00:00:00.000Z"


@dataclass(frozen=True)
class Size:
    teachers: int = 5_000
    students: int = 100_000
    enrollments: int = 1_000_000
    """Student enrollments; each class also has its teacher's enrollment."""

    @property
    def schools(self) -> int:
        return max(1, self.teachers // 50)

    @property
    def classes(self) -> int:
        return self.teachers * CLASSES_PER_TEACHER

    def rows(self) -> int:
        """Every data row of a bulk package (1.1; 1.2 adds one role per user)."""
        return (
            1
            + self.schools
            + 2
            + self.schools
            + self.classes
            + self.teachers
            + self.students
            + self.classes
            + self.enrollments
        )


def _write(path: Path, header: list[str], rows: Iterator[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _users(size: Size, version: str, status: str, modified: str) -> Iterator[list[str]]:
    for n in range(size.teachers + size.students):
        teacher = n < size.teachers
        sid = f"t{n}" if teacher else f"s{n - size.teachers}"
        school = f"sch{n % size.schools}"
        email = f"{sid}@district.example" if teacher else ""
        common = ["true", sid, f"{{LDAP:{n}}}", "Given", f"Family{n}", "", f"{n:07d}", email]
        if version == "1.1":
            yield [
                sid,
                status,
                modified,
                "true",
                school,
                "teacher" if teacher else "student",
                *common[1:],
            ]
        else:
            yield [sid, status, modified, *common, f"PA{n:07d}", "", "", school, ""]


def _user_header(version: str) -> list[str]:
    base = ["sourcedId", "status", "dateLastModified", "enabledUser"]
    tail = ["username", "userIds", "givenName", "familyName", "middleName", "identifier", "email"]
    if version == "1.1":
        return [*base, "orgSourcedIds", "role", *tail]
    return [
        *base,
        *tail,
        "userMasterIdentifier",
        "preferredGivenName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
    ]


def _enrollments(size: Size, status: str, modified: str) -> Iterator[list[str]]:
    for c in range(size.classes):
        school = f"sch{(c // CLASSES_PER_TEACHER) % size.schools}"
        yield [
            f"et{c}",
            status,
            modified,
            f"c{c}",
            school,
            f"t{c // CLASSES_PER_TEACHER}",
            "teacher",
            "true",
        ]
    for k in range(size.enrollments):
        c = k % size.classes
        student = (k * 7919 + c) % size.students
        school = f"sch{(c // CLASSES_PER_TEACHER) % size.schools}"
        yield [f"e{k}", status, modified, f"c{c}", school, f"s{student}", "student", "false"]


ENROLLMENT_HEADER = [
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
]


def generate(out: Path, size: Size, version: str = "1.1") -> Path:
    """Write a bulk package for ``size`` into the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files = ["orgs", "academicSessions", "courses", "classes", "users", "enrollments"]
    if version == "1.2":
        files.append("roles")
    _write(
        out / "manifest.csv",
        ["propertyName", "value"],
        iter(
            [
                ["manifest.version", "1.0"],
                ["oneroster.version", version],
                *[[f"file.{name}", "bulk"] for name in files],
            ]
        ),
    )
    _write(
        out / "orgs.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "name",
            "type",
            "identifier",
            "parentSourcedId",
        ],
        iter(
            [
                ["d1", "", "", "Synthetic District", "district", "SD", ""],
                *[
                    [f"sch{n}", "", "", f"School {n}", "school", f"S{n}", "d1"]
                    for n in range(size.schools)
                ],
            ]
        ),
    )
    _write(
        out / "academicSessions.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "type",
            "startDate",
            "endDate",
            "parentSourcedId",
            "schoolYear",
        ],
        iter(
            [
                ["y1", "", "", "2026-2027", "schoolYear", "2026-08-15", "2027-06-15", "", "2027"],
                ["term1", "", "", "Fall", "term", "2026-08-15", "2026-12-20", "y1", "2027"],
            ]
        ),
    )
    _write(
        out / "courses.csv",
        ["sourcedId", "status", "dateLastModified", "title", "orgSourcedId"],
        iter([[f"co{n}", "", "", f"Course {n}", "d1"] for n in range(size.schools)]),
    )
    _write(
        out / "classes.csv",
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "courseSourcedId",
            "classType",
            "schoolSourcedId",
            "termSourcedIds",
        ],
        (
            [
                f"c{c}",
                "",
                "",
                f"Class {c}",
                f"co{c % size.schools}",
                "scheduled",
                f"sch{(c // CLASSES_PER_TEACHER) % size.schools}",
                "term1",
            ]
            for c in range(size.classes)
        ),
    )
    _write(out / "users.csv", _user_header(version), _users(size, version, "", ""))
    _write(out / "enrollments.csv", ENROLLMENT_HEADER, _enrollments(size, "", ""))
    if version == "1.2":
        _write(
            out / "roles.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "userSourcedId",
                "roleType",
                "role",
                "orgSourcedId",
            ],
            (
                [
                    f"r{n}",
                    "",
                    "",
                    f"t{n}" if n < size.teachers else f"s{n - size.teachers}",
                    "primary",
                    "teacher" if n < size.teachers else "student",
                    f"sch{n % size.schools}",
                ]
                for n in range(size.teachers + size.students)
            ),
        )
    return out


def generate_delta(out: Path, size: Size, share: float = 0.05, version: str = "1.1") -> Path:
    """A delta touching ``share`` of users and enrollments: most changed, a tenth deleted."""
    out.mkdir(parents=True, exist_ok=True)
    _write(
        out / "manifest.csv",
        ["propertyName", "value"],
        iter(
            [
                ["manifest.version", "1.0"],
                ["oneroster.version", version],
                ["file.users", "delta"],
                ["file.enrollments", "delta"],
            ]
        ),
    )
    step = max(1, round(1 / share))

    def users() -> Iterator[list[str]]:
        for n, row in enumerate(_users(size, version, "active", LATER)):
            if n % step == 0:
                row[9 if version == "1.1" else 7] = f"Changed{n}"  # familyName
                yield row

    def enrollments() -> Iterator[list[str]]:
        for n, row in enumerate(_enrollments(size, "active", LATER)):
            if n % step == 0:
                if n % (step * 10) == 0:
                    row[1] = "tobedeleted"
                else:
                    row[7] = "true"
                yield row

    _write(out / "users.csv", _user_header(version), users())
    _write(out / "enrollments.csv", ENROLLMENT_HEADER, enrollments())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.roster_generate", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--version", choices=("1.1", "1.2"), default="1.1")
    parser.add_argument("--teachers", type=int, default=Size.teachers)
    parser.add_argument("--students", type=int, default=Size.students)
    parser.add_argument("--enrollments", type=int, default=Size.enrollments)
    parser.add_argument("--delta", type=float, default=0.0, help="write a delta of this share")
    args = parser.parse_args()
    size = Size(args.teachers, args.students, args.enrollments)
    if args.delta:
        generate_delta(args.out, size, args.delta, args.version)
    else:
        generate(args.out, size, args.version)
    print(f"Wrote {args.out} ({size.rows()} rows).")


if __name__ == "__main__":
    main()
