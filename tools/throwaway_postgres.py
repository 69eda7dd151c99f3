"""
A throwaway PostgreSQL server from the machine's own binaries, for the tests and CI.

    python3 tools/throwaway_postgres.py start DIR    # prints the URL, returns at once
    python3 tools/throwaway_postgres.py stop DIR

The server lives in DIR (data, socket, log), listens on 127.0.0.1 at a free port and on
a socket in DIR, and runs as a non-root user (initdb refuses root: as root the server
runs as ``postgres``, or ``nobody`` when there is none). Local socket connections are
trusted; TCP connections need the password of the role ``mesoformula`` (SCRAM), so that
a wrong password can be tested. The database ``mesoformula`` is created, owned by that
role. The binaries are found with ``pg_config --bindir``, else under
``/usr/lib/postgresql/*/bin``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROLE = "mesoformula"
PASSWORD = "mesoformula-test"  # noqa: S105 - a throwaway test server's, on 127.0.0.1
DATABASE = "mesoformula"


def bindir() -> Path | None:
    """The PostgreSQL server binaries' folder, or None when this machine has none."""
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


def _user() -> str | None:
    """The user the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    import pwd  # noqa: PLC0415 - POSIX only

    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run the server")


def _as_user(command: list[str], user: str | None) -> list[str]:
    return command if user is None else ["runuser", "-u", user, "--", *command]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(folder: Path) -> str:
    """Initialise and start a server in *folder*; return the URL with the password."""
    binaries = bindir()
    if binaries is None:
        raise RuntimeError("no PostgreSQL server binaries on this machine (pg_config --bindir)")
    folder.mkdir(parents=True, exist_ok=True)
    user = _user()
    data = folder / "data"
    if user is not None:
        import pwd  # noqa: PLC0415

        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o700)
    secret = folder / "pwfile"
    secret.write_text(PASSWORD + "\n")
    if user is not None:
        os.chown(secret, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        _as_user(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={secret}",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            user,
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    (folder / "port").write_text(str(port))
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder}"
        " -c fsync=on -c max_connections=60"
    )
    subprocess.run(
        _as_user(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            user,
        ),
        check=True,
        capture_output=True,
    )
    psql = _as_user(
        [str(binaries / "psql"), "-h", str(folder), "-p", str(port), "-U", "postgres", "-q"],
        user,
    )
    create_role = f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'"
    create_db = f"CREATE DATABASE {DATABASE} OWNER {ROLE}"
    for statement in (create_role, create_db):  # CREATE DATABASE refuses a transaction
        subprocess.run([*psql, "-d", "postgres", "-c", statement], check=True, capture_output=True)
    return url(folder)


def url(folder: Path, database: str = DATABASE) -> str:
    """The TCP URL of the server in *folder* (with the test role's password)."""
    port = (folder / "port").read_text().strip()
    return f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{port}/{database}"


def create_database(folder: Path, name: str) -> str:
    """Create a fresh database owned by the test role; return its URL."""
    binaries = bindir()
    assert binaries is not None
    port = (folder / "port").read_text().strip()
    subprocess.run(
        _as_user(
            [
                str(binaries / "psql"),
                "-h",
                str(folder),
                "-p",
                port,
                "-U",
                "postgres",
                "-q",
                "-d",
                "postgres",
                "-c",
                f"CREATE DATABASE {name} OWNER {ROLE}",
            ],
            _user(),
        ),
        check=True,
        capture_output=True,
    )
    return url(folder, name)


def pg_ctl(folder: Path, *arguments: str) -> None:
    """Run ``pg_ctl`` on the server in *folder* (``stop -m immediate``, ``start``...)."""
    binaries = bindir()
    assert binaries is not None
    port = (folder / "port").read_text().strip()
    extra: list[str] = []
    if arguments and arguments[0] == "start":
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder}"
            " -c max_connections=60"
        )
        extra = ["-l", str(folder / "log"), "-o", options]
    subprocess.run(
        _as_user(
            [str(binaries / "pg_ctl"), "-D", str(folder / "data"), *extra, "-w", *arguments],
            _user(),
        ),
        check=True,
        capture_output=True,
    )


def stop(folder: Path) -> None:
    """Stop the server in *folder* (fast shutdown) if it runs; leave the folder."""
    if (folder / "data" / "postmaster.pid").exists():
        pg_ctl(folder, "stop", "-m", "fast")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"start", "stop"}:
        sys.stderr.write(__doc__ or "")
        return 2
    folder = Path(argv[1]).resolve()
    if argv[0] == "start":
        print(start(folder))
    else:
        for _ in range(3):
            try:
                stop(folder)
                break
            except subprocess.CalledProcessError:
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
