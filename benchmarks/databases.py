"""Fresh, migrated databases for each benchmark: SQLite files copied from a migrated template under var/bench/, and
PostgreSQL databases made from a template database in a throwaway cluster (scripts/pg-test-cluster), which is
started at the first use and stopped at the end."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.harness import ROOT, VAR
from storage import migrate
from storage.engine import create_engine

CLUSTER = ROOT / "scripts" / "pg-test-cluster"
KINDS = ("sqlite", "postgresql")


def postgres_available() -> bool:
    return subprocess.run([str(CLUSTER), "bindir"], capture_output=True, check=False).returncode == 0


async def migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


class Databases:
    def __init__(self) -> None:
        self.run_dir = VAR / "run"
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.run_dir.mkdir(parents=True)
        self._sqlite_template: Path | None = None
        self._pg_dir: Path | None = None
        self._pg_url: str | None = None
        self._pg_template: str | None = None

    # -- SQLite -------------------------------------------------------------------------------------------------

    async def sqlite_template(self) -> Path:
        if self._sqlite_template is None:
            path = self.run_dir / "template.db"
            await migrated(f"sqlite+aiosqlite:///{path}")
            self._sqlite_template = path
        return self._sqlite_template

    def sqlite_copy(self, source: Path, name: str) -> str:
        target = self.run_dir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return f"sqlite+aiosqlite:///{target}"

    # -- PostgreSQL ---------------------------------------------------------------------------------------------

    async def pg_server(self) -> str:
        """The cluster's URL (its default database); started on first use."""
        if self._pg_url is None:
            self._pg_dir = Path(tempfile.mkdtemp(prefix="anlaufstelle-bench-pg."))
            proc = await asyncio.create_subprocess_exec(
                str(CLUSTER), "start", str(self._pg_dir), stdout=asyncio.subprocess.PIPE
            )
            out, _ = await proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError("scripts/pg-test-cluster start failed")
            self._pg_url = out.decode().strip()
        return self._pg_url

    def pg_url(self, database: str) -> str:
        assert self._pg_url is not None
        return make_url(self._pg_url).set(database=database).render_as_string(hide_password=False)

    async def pg_admin(self, sql: str) -> None:
        import asyncpg  # type: ignore[import-untyped]

        url = make_url(await self.pg_server())
        conn = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def pg_template(self) -> str:
        if self._pg_template is None:
            name = "bench_template"
            await self.pg_admin(f'CREATE DATABASE "{name}"')
            await migrated(self.pg_url(name))
            self._pg_template = name
        return self._pg_template

    async def pg_copy(self, template: str, name: str) -> str:
        await self.pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await self.pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.pg_url(name)

    # -- either -------------------------------------------------------------------------------------------------

    async def fresh(self, kind: str, name: str | None = None) -> str:
        """A new migrated, empty database of this kind; returns its URL."""
        name = name or f"b_{uuid.uuid4().hex[:10]}"
        if kind == "sqlite":
            return self.sqlite_copy(await self.sqlite_template(), name)
        return await self.pg_copy(await self.pg_template(), name)

    async def close(self) -> None:
        if self._pg_dir is not None:
            proc = await asyncio.create_subprocess_exec(str(CLUSTER), "stop", str(self._pg_dir))
            await proc.wait()
            self._pg_dir = self._pg_url = None
        shutil.rmtree(self.run_dir, ignore_errors=True)
