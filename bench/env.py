"""Where the benchmarks run: the database backends, throw-away databases, settings, the machine."""

from __future__ import annotations

import os
import platform
import socket
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from lti_tool.settings import Settings, load_settings

DEFAULT_POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "credbridge_bench_"
# The test suite owns this database; the benchmarks never create, drop or write it.
PROTECTED_DATABASES = frozenset({"test", "postgres", "template0", "template1"})


def postgres_admin_url() -> str:
    """The maintenance URL used to create and drop the benchmark databases."""
    return os.environ.get("BENCH_POSTGRES_URL", "").strip() or DEFAULT_POSTGRES_ADMIN_URL


def postgres_answers(admin_url: str, timeout: float = 1.0) -> str | None:
    """``None`` when PostgreSQL accepts a connection at ``admin_url``, else why not."""
    url = make_url(admin_url)
    host, port = url.host or "127.0.0.1", url.port or 5432
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as error:
        return f"nothing answers at {host}:{port} ({error.strerror or error})"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        return f"cannot connect to {url.render_as_string(hide_password=True)}: {error.orig}"
    finally:
        engine.dispose()
    return None


@dataclass
class Backend:
    """One database backend, able to make fresh databases and drop them afterwards."""

    name: str
    """``SQLite`` or ``PostgreSQL``, as printed in the report."""
    workdir: Path
    admin_url: str | None = None
    """PostgreSQL only: the maintenance database to run CREATE/DROP DATABASE on."""
    created: list[str] = field(default_factory=list)

    @property
    def is_postgres(self) -> bool:
        return self.admin_url is not None

    def fresh_database(self, label: str) -> str:
        """A URL to an empty database named after ``label``, dropped and recreated each run."""
        if self.admin_url is None:
            path = self.workdir / f"{label}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return f"sqlite:///{path}"
        name = f"{DATABASE_PREFIX}{label}"
        assert name not in PROTECTED_DATABASES
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop every database this run created (SQLite files go with the work folder)."""
        if self.admin_url is None or not self.created:
            return
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for name in self.created:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            engine.dispose()
        self.created.clear()

    def server_version(self) -> str:
        if self.admin_url is None:
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version}"
        engine = create_engine(self.admin_url)
        try:
            with engine.connect() as connection:
                return f"PostgreSQL {connection.execute(text('SHOW server_version')).scalar()}"
        finally:
            engine.dispose()


def bench_settings(database_url: str, instance: Path) -> Settings:
    """Development settings in demo mode, local evidence under ``instance``."""
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "CREDBRIDGE_INSTANCE_PATH": str(instance),
            "CREDBRIDGE_STORAGE_PATH": str(instance / "evidence"),
            "SECRET_KEY": "benchmark-secret-key-that-is-long-enough-0123456789",
            "CREDBRIDGE_DEMO": "1",
        }
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    kib = int(line.split()[1])
                    return f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError):
        pass
    return "unknown"


@dataclass(frozen=True)
class Machine:
    """What the numbers were measured on."""

    date: str
    platform: str
    cpu: str
    cores: int
    ram: str
    python: str
    sqlalchemy: str
    sqlite: str
    postgresql: str
    load: str
    """Load average when the run started: other work on the machine shows up in the p95."""

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("Date (UTC)", self.date),
            ("Platform", self.platform),
            ("CPU", self.cpu),
            ("Cores", str(self.cores)),
            ("RAM", self.ram),
            ("Python", self.python),
            ("SQLAlchemy", self.sqlalchemy),
            ("SQLite", self.sqlite),
            ("PostgreSQL server", self.postgresql),
            ("Load average at start (1, 5, 15 min)", self.load),
        ]


def describe_machine(postgres: Backend | None, postgres_missing: str | None) -> Machine:
    import sqlite3

    return Machine(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        platform=platform.platform(),
        cpu=_cpu_model(),
        cores=os.cpu_count() or 0,
        ram=_ram(),
        python=f"{platform.python_implementation()} {sys.version.split()[0]}",
        sqlalchemy=sqlalchemy.__version__,
        sqlite=sqlite3.sqlite_version,
        postgresql=(
            postgres.server_version().removeprefix("PostgreSQL ")
            if postgres
            else f"not measured: {postgres_missing}"
        ),
        load=", ".join(f"{value:.2f}" for value in os.getloadavg()),
    )
