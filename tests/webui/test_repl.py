"""`plua2 repl` and `plua2 run -i FILE` driven through stdin, as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

TIMEOUT = 30


def plua2(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "plua2", *args], input=stdin, text=True,
                          capture_output=True, timeout=TIMEOUT, env=env)  # fmt: skip


def test_repl_prints_results_as_lua_writes_them() -> None:
    lines = [
        "return 1+1",
        "1 + 2",  # an expression alone is returned too
        "x = 40",
        "x + 2",
        "return 'text', nil, true, 2.5, {1, 2, k = 'v'}",
        "function double(n)",  # continued on a >> prompt
        "  return n * 2",
        "end",
        "double(21)",
    ]
    done = plua2("repl", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "2",
        "3",
        "42",
        'text\tnil\ttrue\t2.5\t{1, 2, k = "v"}',
        "42",
    ]
    assert "> " in done.stderr and ">> " in done.stderr


def test_repl_reports_errors_and_goes_on() -> None:
    done = plua2("repl", stdin="error('boom')\nreturn )\nreturn 1 +\n2\nreturn 'after'\n")
    assert done.returncode == 0
    assert "boom" in done.stderr and "unexpected symbol" in done.stderr
    assert done.stdout.splitlines() == ["3", "after"]


def test_timers_keep_running_between_lines() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "plua2", "repl"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    try:
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write("n = 0; setInterval(function() n = n + 1 end, 20); return 'set'\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "set\n"  # the worker has run the line
        time.sleep(0.6)  # no line is running now: only the worker's own timers
        out, err = proc.communicate("return n > 10, n\n", timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    result = out.splitlines()[-1].split("\t")
    assert result[0] == "true", out


def test_os_exit_ends_the_repl() -> None:
    done = plua2("repl", stdin="os.exit(0)\nreturn 5\n")
    assert done.returncode == 0
    assert "5" not in done.stdout.splitlines()


def test_run_i_prompts_after_the_script_has_run(tmp_path: Path) -> None:
    script = tmp_path / "count.lua"
    script.write_text('print("loaded")\ncount = 3\nfunction add(n) count = count + n end\n')
    done = plua2("run", "-i", str(script), stdin="add(4)\nreturn count\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["loaded", "7"]


def test_run_i_with_a_syntax_error_is_a_usage_error(tmp_path: Path) -> None:
    script = tmp_path / "bad.lua"
    script.write_text("this is not lua\n")
    done = plua2("run", "-i", str(script), stdin="return 1\n")
    assert done.returncode == 2
    assert done.stdout == ""
