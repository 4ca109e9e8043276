"""`plua2 run` as a user runs it: exit statuses, output streams, signals."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

PLUA2 = [sys.executable, "-m", "plua2", "run"]


def run(*args: str, timeout: float = 20, cwd: object = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PLUA2, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def test_print_goes_to_stdout_and_a_clean_script_exits_0() -> None:
    done = run("-e", "setTimeout(function() print('later') end, 20) print('now')")
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["now", "later"]


def test_a_callback_error_goes_to_stderr_with_a_traceback_and_the_script_goes_on() -> None:
    code = (
        "setTimeout(function() error('boom') end, 10) setTimeout(function() print('after') end, 50)"
    )
    done = run("-e", code)
    assert done.returncode == 1
    assert "after" in done.stdout
    assert "boom" in done.stderr and "stack traceback" in done.stderr


def test_a_syntax_error_is_one_line_and_exit_2(tmp_path) -> None:
    script = tmp_path / "bad.lua"
    script.write_text("x = = 1\n")
    done = run("bad.lua", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["plua2: bad.lua:1: unexpected symbol near '='"]


def test_a_missing_file_is_one_line_and_exit_2(tmp_path) -> None:
    done = run(str(tmp_path / "nope.lua"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "nope.lua" in done.stderr


def test_run_for_ends_a_script_that_would_run_forever() -> None:
    started = time.monotonic()
    done = run("-e", "setInterval(function() end, 50)", "--run-for", "0.5")
    assert done.returncode == 0
    assert time.monotonic() - started < 10


def test_sigterm_ends_the_run_cleanly() -> None:
    process = subprocess.Popen(
        [*PLUA2, "-e", "print('up') setInterval(function() end, 50)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "up"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=5)
        assert process.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
