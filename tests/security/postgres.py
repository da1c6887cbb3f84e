"""A PostgreSQL server of the test's own, on a spare port, that it may stop."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.serving.servers import free_port


def postgres_bin() -> Path | None:
    root = Path("/usr/lib/postgresql")
    versions = sorted(root.glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


class PostgresInstance:
    def __init__(self, directory: Path):
        self.bin = postgres_bin()
        self.port = free_port()
        self.data = directory / "data"
        self.directory = directory
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/waymark"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(  # noqa: S603 - PostgreSQL's own tools
            command, capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode:
            raise RuntimeError(f"{' '.join(args)}: {result.stdout}{result.stderr}")

    def create(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )
        self.start()
        self._run(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "waymark",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.directory / "postgres.log"),
            "start",
        )

    def stop(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
        )


def require_postgres_binaries() -> None:
    if postgres_bin() is None or (os.geteuid() == 0 and not shutil.which("runuser")):
        message = "PostgreSQL's server binaries are needed (apt-get install postgresql)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: fault tests must run in CI")
        pytest.skip(message)
