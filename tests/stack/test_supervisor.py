"""The supervisor with real child processes: readiness, failure of one child, clean stop."""

import os
import signal
import socket
import sys
import textwrap
import time

import pytest

from stack.supervisor import Service, StackError, Supervisor, free_port

SERVER = textwrap.dedent(
    """
    import http.server, sys
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
        def log_message(self, *a):
            pass
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is not alive for our purpose
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def _server(name, tmp_path):
    port = free_port()
    return Service(
        name=name,
        argv=[sys.executable, "-c", SERVER, str(port)],
        ready_url=f"http://127.0.0.1:{port}/",
        log_path=tmp_path / f"{name}.log",
        port=port,
    )


def _sleeper(name, tmp_path, seconds=60, code=0):
    script = f"import time, sys; print('{name} starting', flush=True); time.sleep({seconds}); sys.exit({code})"
    return Service(name=name, argv=[sys.executable, "-c", script], log_path=tmp_path / f"{name}.log")


def test_one_child_dying_is_reported_and_stops_the_others(tmp_path):
    supervisor = Supervisor(stop_timeout=5)
    first = supervisor.start(_server("first server", tmp_path))
    second = supervisor.start(_server("second server", tmp_path))
    supervisor.start(_sleeper("failing part", tmp_path, seconds=0.5, code=3))
    supervisor.wait_ready(first, 10)
    supervisor.wait_ready(second, 10)
    pids = [first.process.pid, second.process.pid]

    service, code = supervisor.watch()
    assert (service.name, code) == ("failing part", 3)
    message = supervisor.died_message(service, code)
    assert "failing part" in message and "exit code 3" in message and "failing part starting" in message

    supervisor.stop_all()
    assert not any(_alive(pid) for pid in pids)


def test_stop_all_kills_a_child_that_ignores_sigterm(tmp_path):
    stubborn = Service(
        name="stubborn",
        argv=[sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
              "print('ready', flush=True); time.sleep(60)"],
        log_path=tmp_path / "stubborn.log",
    )
    supervisor = Supervisor(stop_timeout=1)
    supervisor.start(stubborn)
    deadline = time.monotonic() + 10
    while "ready" not in stubborn.log_tail() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = stubborn.process.pid
    started = time.monotonic()
    supervisor.stop_all()
    assert not _alive(pid)
    assert time.monotonic() - started < 5


def test_grandchildren_are_stopped_with_their_process_group(tmp_path):
    script = (
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "print(child.pid, flush=True); time.sleep(60)"
    )
    parent = Service(name="parent", argv=[sys.executable, "-c", script], log_path=tmp_path / "parent.log")
    supervisor = Supervisor(stop_timeout=5)
    supervisor.start(parent)
    deadline = time.monotonic() + 10
    while not parent.log_tail().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(parent.log_tail().strip())
    supervisor.stop_all()
    time.sleep(0.2)
    assert not _alive(grandchild)


def test_port_already_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        service = _server("Rasa server", tmp_path)
        service.port = port
        with pytest.raises(StackError, match=f"port {port} for the Rasa server is already in use"):
            Supervisor().start(service)


def test_a_child_that_exits_before_ready_fails_fast_with_its_log(tmp_path):
    broken = Service(
        name="action server",
        argv=[sys.executable, "-c", "import sys; print('ImportError: no module named x'); sys.exit(1)"],
        ready_url=f"http://127.0.0.1:{free_port()}/",
        log_path=tmp_path / "actions.log",
    )
    supervisor = Supervisor()
    supervisor.start(broken)
    started = time.monotonic()
    with pytest.raises(StackError) as error:
        supervisor.wait_ready(broken, timeout=30)
    assert time.monotonic() - started < 10
    assert "action server stopped unexpectedly" in str(error.value)
    assert "ImportError: no module named x" in str(error.value)
    supervisor.stop_all()


def test_a_child_that_never_answers_times_out(tmp_path):
    silent = _sleeper("Rasa server", tmp_path)
    silent.ready_url = f"http://127.0.0.1:{free_port()}/"
    supervisor = Supervisor(stop_timeout=2)
    supervisor.start(silent)
    with pytest.raises(StackError, match="did not answer .* within 1 s"):
        supervisor.wait_ready(silent, timeout=1)
    supervisor.stop_all()


def test_children_die_with_the_supervisor(tmp_path):
    """If the supervisor itself is killed, the kernel stops its children (no orphans)."""
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(os.getcwd())!r})
        from stack.supervisor import Service, Supervisor
        s = Supervisor()
        child = s.start(Service("child", [sys.executable, "-c", "import time; time.sleep(60)"]))
        open({str(pid_file)!r}, "w").write(str(child.process.pid))
        time.sleep(60)
        """
    )
    import subprocess

    supervisor_process = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child_pid = int(pid_file.read_text())
    assert _alive(child_pid)
    supervisor_process.send_signal(signal.SIGKILL)
    supervisor_process.wait()
    deadline = time.monotonic() + 5
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid)
