"""Start real Redis and PostgreSQL servers from the installed binaries, on loopback ports.

A port the kernel offers may be taken by someone else before the server binds it; the server then
fails to start and is started again on another port (the server's own bind is the only proof).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ATTEMPTS = 5


def free_port() -> int:
    """A port free right now: only a candidate, which someone else may take before a server binds
    it. Start servers with ``server_on_free_port`` (it retries); for a port that must refuse
    connections, use ``closed_port``."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server_on_free_port(
    start: Callable[[int], subprocess.Popen], *, timeout: float = 15.0
) -> Iterator[tuple[int, subprocess.Popen]]:
    """Run ``start(port)`` on candidate ports until the server itself is listening on one (a
    server that exits first lost its port and is started again); yield ``(port, process)`` and
    terminate the process afterwards."""
    for _ in range(ATTEMPTS):
        port = free_port()
        proc = start(port)
        try:
            if not wait_for_port(port, timeout, process=proc):
                continue  # the port was taken before the server bound it
            yield port, proc
            return
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    raise RuntimeError(f"the server did not start in {ATTEMPTS} attempts")


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole block: bound but never listening,
    so no other process can start listening on it meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def wait_for_port(
    port: int, timeout: float = 15.0, process: subprocess.Popen | None = None
) -> bool:
    """True once something listens on ``port``; False if ``process`` exited first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def redis_binary() -> str | None:
    return shutil.which("redis-server")


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Yield ``redis://127.0.0.1:PORT/0`` of a throwaway Redis."""
    binary = redis_binary()
    if binary is None:
        raise FileNotFoundError("redis-server is not installed")

    def start(port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    with server_on_free_port(start) as (port, _):
        yield f"redis://127.0.0.1:{port}/0"


def postgres_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a ``postgres://`` URL of a throwaway cluster (runs as user postgres when root)."""
    bindir = postgres_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries are not installed")
    workdir = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    data, sock = workdir / "data", workdir / "sock"
    sock.mkdir()
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(workdir, "postgres")
        shutil.chown(sock, "postgres")
    run = lambda *args: subprocess.run(  # noqa: E731
        prefix + list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
        for attempt in range(ATTEMPTS):
            port = free_port()
            try:
                run(
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-w",
                    "-l",
                    str(workdir / "log"),
                    "-o",
                    f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                    "start",
                )
                break
            except subprocess.CalledProcessError:  # the port was taken before postgres bound it
                if attempt == ATTEMPTS - 1:
                    raise
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(Exception):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    """``python -m tests.services postgres -- CMD...``: run CMD with DATABASE_URL set."""
    import sys

    kind, _, *command = sys.argv[1:]
    manager = postgres_server() if kind == "postgres" else redis_server()
    with manager as url:
        env = dict(os.environ)
        env["DATABASE_URL" if kind == "postgres" else "REDIS_URL"] = url
        sys.exit(subprocess.call(command, env=env))


if __name__ == "__main__":
    main()
