"""Start the stack's processes, wait until they answer, and stop them all together.

One rule: if any process stops, every other one is stopped too, and the caller learns which
one failed. Servers run in their own session so that Ctrl-C in the terminal reaches only the
supervisor and the foreground console; the supervisor then stops the servers itself.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

_PR_SET_PDEATHSIG = 1


class StackError(Exception):
    """A process of the stack could not start or stopped; the message says which and what to do."""


@dataclass
class Service:
    name: str
    argv: list[str]
    ready_url: str | None = None  # polled until it answers HTTP 200
    log_path: Path | None = None  # None: output goes to the terminal
    foreground: bool = False  # keeps the terminal (stdin, Ctrl-C): the console chat
    env: dict[str, str] | None = None
    port: int | None = None  # checked free before start
    cwd: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    def log_tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child if the supervisor dies, so nothing is orphaned."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


class Supervisor:
    def __init__(self, host: str = "127.0.0.1", stop_timeout: float = 10.0) -> None:
        self.host = host
        self.stop_timeout = stop_timeout
        self.services: list[Service] = []

    def start(self, service: Service) -> Service:
        if service.port is not None and not port_is_free(self.host, service.port):
            raise StackError(
                f"ERROR: port {service.port} for the {service.name} is already in use. "
                f"Stop whatever uses it (e.g. `ss -ltnp | grep {service.port}`) or choose another port "
                f"with the environment variable shown in the README."
            )
        stdout = None
        if service.log_path is not None:
            service.log_path.parent.mkdir(parents=True, exist_ok=True)
            stdout = open(service.log_path, "ab")
        try:
            service.process = subprocess.Popen(
                service.argv,
                env=service.env,
                cwd=service.cwd,
                stdout=stdout,
                stderr=subprocess.STDOUT if stdout else None,
                stdin=None if service.foreground else subprocess.DEVNULL,
                start_new_session=not service.foreground,
                preexec_fn=_die_with_parent,
            )
        except OSError as error:
            raise StackError(f"ERROR: cannot start the {service.name} ({service.argv[0]}): {error}")
        finally:
            if stdout is not None:
                stdout.close()  # the child keeps its own copy
        self.services.append(service)
        return service

    def wait_ready(self, service: Service, timeout: float) -> None:
        """Poll the service's URL; fail early if it exits, fail clearly if it is too slow."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = service.process.poll()
            if code is not None:
                raise StackError(self.died_message(service, code))
            if service.ready_url is None or _answers(service.ready_url):
                return
            time.sleep(0.3)
        raise StackError(
            f"ERROR: the {service.name} did not answer at {service.ready_url} within {timeout:.0f} s. "
            f"Raise RASA_STARTUP_TIMEOUT if the machine is slow.{self._tail(service)}"
        )

    def watch(self, poll: float = 0.3) -> tuple[Service, int]:
        """Block until one process stops; return it and its exit code."""
        while True:
            for service in self.services:
                code = service.process.poll()
                if code is not None:
                    return service, code
            time.sleep(poll)

    def stop_all(self) -> None:
        """SIGTERM every process group, then SIGKILL whatever is still there after the timeout."""
        running = [s for s in self.services if s.process and s.process.poll() is None]
        for service in running:
            self._signal(service, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for service in running:
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(service, signal.SIGKILL)
                service.process.wait()
        self.services.clear()

    def stop(self, service: Service) -> None:
        if service.process and service.process.poll() is None:
            self._signal(service, signal.SIGTERM)
            try:
                service.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self._signal(service, signal.SIGKILL)
                service.process.wait()
        if service in self.services:
            self.services.remove(service)

    @staticmethod
    def _signal(service: Service, sig: int) -> None:
        try:
            if service.foreground:
                service.process.send_signal(sig)
            else:
                os.killpg(service.process.pid, sig)
        except ProcessLookupError:
            pass

    def died_message(self, service: Service, code: int) -> str:
        return f"ERROR: the {service.name} stopped unexpectedly (exit code {code}).{self._tail(service)}"

    @staticmethod
    def _tail(service: Service) -> str:
        tail = service.log_tail()
        if not tail:
            return ""
        return f"\nLast lines of {service.log_path}:\n{tail}"
