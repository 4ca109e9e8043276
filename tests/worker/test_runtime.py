"""In-process runtime: timers, budget, memory cap, sandbox, host functions, eval, requests."""

from __future__ import annotations

import time

import pytest
import trio
from plua2.shared.messages import Error, Log, Message, Request, Response
from plua2.worker.exporters import lua_exporter
from plua2.worker.requests import RequestFailed
from worker_helpers import make_runtime, run_script

# ---------------------------------------------------------------- timers


async def test_timers_run_by_due_time_then_creation_order() -> None:
    _, host = await run_script(
        """
        setTimeout(function() print("c") end, 30)
        setTimeout(function() print("a1") end, 10)
        setTimeout(function() print("a2") end, 10)
        setTimeout(function() print("zero") end)
        print("main")
        """
    )
    assert host.prints() == ["main", "zero", "a1", "a2", "c"]


async def test_timer_cleared_by_another_callback_never_fires() -> None:
    _, host = await run_script(
        """
        local victim
        setTimeout(function() clearTimeout(victim) print("cleared") end, 5)
        victim = setTimeout(function() print("fired") end, 5)
        local later = setTimeout(function() print("later fired") end, 50)
        setTimeout(function() clearTimeout(later) end, 10)
        """
    )
    assert host.prints() == ["cleared"]


async def test_interval_cleared_from_its_own_callback_stops() -> None:
    _, host = await run_script(
        """
        local n, ref = 0, nil
        ref = setInterval(function()
          n = n + 1
          print("tick " .. n)
          if n == 3 then clearInterval(ref) end
        end, 2)
        """
    )
    assert host.prints() == ["tick 1", "tick 2", "tick 3"]


async def test_bad_timer_arguments_raise_clear_lua_errors() -> None:
    runtime, host = make_runtime()
    results = runtime.eval(
        """(function()
          local a = select(2, pcall(setTimeout, 42, 10))
          local b = select(2, pcall(setTimeout, function() end, "soon"))
          local c = select(2, pcall(clearTimeout, "x"))
          local d = select(2, pcall(setInterval, nil))
          return a, b, c, d
        end)()"""
    )
    assert "setTimeout: expected a function as argument #1, got number" in results[0]
    assert "setTimeout: expected milliseconds" in results[1]
    assert "clearTimeout: expected a timer reference, got string" in results[2]
    assert "setInterval: expected a function" in results[3]


async def test_20000_chained_zero_timeouts() -> None:
    t0 = time.perf_counter()
    runtime, host = await run_script(
        """
        local n = 0
        local function step()
          n = n + 1
          if n < 20000 then setTimeout(step, 0) else print(n) end
        end
        setTimeout(step, 0)
        """
    )
    elapsed = time.perf_counter() - t0
    assert host.prints() == ["20000"]
    print(f"\n20,000 chained setTimeout(f,0): {20000 / elapsed:,.0f}/s")


async def test_100000_timers_scheduled_at_once() -> None:
    t0 = time.perf_counter()
    _, host = await run_script(
        """
        local n, last = 0, {}
        for i = 1, 100000 do
          local group = i % 7
          setTimeout(function()
            n = n + 1
            if i < (last[group] or 0) then error("out of order") end
            last[group] = i
            if n == 100000 then print("all " .. n) end
          end, group)
        end
        """
    )
    assert host.prints() == ["all 100000"]
    assert host.errors() == []
    print(f"\n100,000 timers at once: {time.perf_counter() - t0:.2f} s")


async def test_messages_are_served_during_a_long_timer_chain() -> None:
    runtime, host = make_runtime(exit_when_idle=False)
    runtime.load("local function f() setTimeout(f, 0) end setTimeout(f, 0)", "spin.lua")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(runtime.run_loop)
        await trio.sleep(0.05)
        answered = trio.Event()
        send = host.send

        def send_and_notice(message: Message) -> None:
            send(message)
            if isinstance(message, Response):
                answered.set()

        host.send = send_and_notice  # type: ignore[method-assign]
        runtime.deliver(Request(7, 1, "eval", ["1 + 1"]))
        with trio.fail_after(2):
            await answered.wait()
        runtime.stop(0)
    assert [m for m in host.sent if isinstance(m, Response)] == [Response(7, 1, True, [2])]


# ---------------------------------------------------------------- budget


@pytest.mark.parametrize(
    "body",
    [
        "while true do end",
        "pcall(function() while true do end end) while true do end",
        "for i = 1, 10 do pcall(function() while true do end end) end",
        "local co = coroutine.create(function() while true do end end) coroutine.resume(co) while true do end",
        "coroutine.wrap(function() while true do end end)()",
        "xpcall(function() while true do end end, function(e) while true do end end)",
    ],
)
async def test_budget_stops_runaway_callback_and_the_next_timer_runs(body: str) -> None:
    _, host = await run_script(
        f"""
        setTimeout(function() {body} end, 0)
        setTimeout(function() print("next timer ran") end, 1)
        """,
        budget=0.1,
    )
    errors = host.errors()
    assert [e.where for e in errors] == ["budget"]
    assert "budget of 0.1 s" in errors[0].message
    assert "test.lua:2" in errors[0].traceback
    assert host.prints() == ["next timer ran"]


async def test_budget_in_main_chunk_is_an_init_error_and_timers_go_on() -> None:
    _, host = await run_script(
        "setTimeout(function() print('still alive') end, 0) while true do end", budget=0.1
    )
    assert [e.where for e in host.errors()] == ["init"]
    assert host.prints() == ["still alive"]


async def test_user_code_cannot_remove_the_budget_hook() -> None:
    _, host = await run_script(
        """
        setTimeout(function()
          print(pcall(debug.sethook))
          while true do end
        end, 0)
        """,
        budget=0.1,
    )
    assert host.prints()[0].startswith("false")
    assert [e.where for e in host.errors()] == ["budget"]


async def test_suspended_coroutine_from_an_aborted_callback_runs_normally_later() -> None:
    _, host = await run_script(
        """
        local co = coroutine.create(function()
          coroutine.yield()
          local s = 0
          for i = 1, 1e6 do s = s + i end
          print(s)
        end)
        coroutine.resume(co)
        setTimeout(function() while true do end end, 0)
        setTimeout(function() coroutine.resume(co) end, 1)
        """,
        budget=0.1,
    )
    assert host.prints() == ["500000500000"]


# ---------------------------------------------------------------- memory


async def test_memory_cap_error_then_runtime_still_usable() -> None:
    runtime, host = await run_script(
        """
        setTimeout(function()
          local t = {}
          for i = 1, 1e8 do t[i] = ("x"):rep(64) .. i end
        end, 0)
        setTimeout(function() print("alive", #json.encode({1, 2, 3})) end, 1)
        """,
        max_memory=8 * 1024 * 1024,
    )
    assert [e.where for e in host.errors()] == ["memory"]
    assert host.prints() == ["alive\t7"]
    assert runtime.eval("1 + 1") == [2]


# ---------------------------------------------------------------- sandbox


QUICKAPP_CHECKS = {
    "io == nil": True,
    "os.execute == nil": True,
    "os.remove == nil and os.rename == nil and os.tmpname == nil and os.getenv == nil": True,
    "loadfile == nil and dofile == nil": True,
    "package.loadlib == nil": True,
    "python == nil": True,
    "_VERSION": "Lua 5.3",
    "debug.getupvalue == nil and debug.sethook == nil": True,
    "type(debug.traceback)": "function",
    "type(os.time()) == 'number' and type(os.clock()) == 'number'": True,
    "select(2, pcall(require, 'os'))": None,
    "pcall(require, 'socket')": False,
    "load(string.char(27) .. 'Lua') == nil": True,
}


@pytest.mark.parametrize(("expr", "expected"), QUICKAPP_CHECKS.items())
async def test_quickapp_sandbox(expr: str, expected: object) -> None:
    runtime, _ = make_runtime(sandbox="quickapp")
    value = runtime.eval(expr)[0]
    if expected is None:
        assert value is not None
    else:
        assert value == expected


@pytest.mark.parametrize("sandbox", ["script", "quickapp"])
async def test_no_python_object_is_reachable_from_lua(sandbox: str) -> None:
    runtime, _ = make_runtime(sandbox=sandbox)
    found = runtime.eval(
        """(function()
          local seen, found = {}, {}
          local function walk(t, path, depth)
            if seen[t] or depth > 6 then return end
            seen[t] = true
            for k, v in pairs(t) do
              local tv = type(v)
              if tv == "userdata" and not (io and io.type(v)) then found[#found + 1] = path .. "." .. tostring(k) end
              if tv == "table" then walk(v, path .. "." .. tostring(k), depth + 1) end
            end
          end
          walk(_G, "_G", 0)
          walk(debug and debug.getregistry and debug.getregistry() or {}, "registry", 0)
          return table.concat(found, ",")
        end)()"""
    )[0]
    for entry in found.split(","):
        assert not entry.startswith("_G"), entry
    assert runtime.eval("type(python)") == ["nil"]


async def test_python_attributes_are_not_reachable_even_through_upvalues() -> None:
    runtime, _ = make_runtime(sandbox="script")
    ok, message = runtime.eval(
        "(function() local _, f = debug.getupvalue(_PY.log, 1) return pcall(function() return f.__globals__ end) end)()"
    )
    assert ok is False


async def test_script_sandbox_has_io_and_os_but_no_python() -> None:
    runtime, _ = make_runtime(sandbox="script")
    assert runtime.eval("type(io), type(os.getenv), type(os.execute), type(python), _VERSION") == [
        "table",
        "function",
        "function",
        "nil",
        "Lua 5.3",
    ]


async def test_os_exit_in_quickapp_stops_the_worker_with_code_0() -> None:
    runtime, host = await run_script(
        "setTimeout(function() os.exit(3) print('not reached') end, 0) setTimeout(print, 100)",
        sandbox="quickapp",
    )
    assert runtime.stopping and runtime.exit_code == 0
    assert host.prints() == []
    assert any(isinstance(m, Log) and "os.exit" in m.text for m in host.sent)


async def test_os_exit_in_script_uses_the_code() -> None:
    runtime, _ = await run_script("pcall(os.exit, 4) print('not reached')")
    assert runtime.exit_code == 4


async def test_script_arguments_are_arg_and_varargs() -> None:
    _, host = await run_script("print(arg[0], arg[1], arg[2], ...)", argv=["a", "b"])
    assert host.prints() == ["test.lua\ta\tb\ta\tb"]


# ---------------------------------------------------------------- host functions, eval, requests


@lua_exporter(name="testAdd")
def _test_add(a: int, b: int) -> int:
    return a + b


@lua_exporter(name="testEcho")
def _test_echo(*values: object) -> tuple[object, ...]:
    return values


@lua_exporter(name="testFail")
def _test_fail() -> None:
    raise ValueError("it failed")


async def test_exported_functions_convert_values_and_raise_lua_errors() -> None:
    runtime, _ = make_runtime()
    assert runtime.eval("_PY.testAdd(2, 3)") == [5]
    assert runtime.eval("_PY.testEcho('ü', {1, {a = 2}}, 2.0)") == ["ü", [1, {"a": 2}], 2.0]
    ok, message = runtime.eval("pcall(function() local x = _PY.testFail() end)")
    assert ok is False and message == "eval:1: it failed"
    assert runtime.eval("type(select(2, pcall(_PY.testFail)))") == ["string"]


async def test_print_formats_like_lua() -> None:
    _, host = await run_script(
        "print(1, 2.5, nil, true, 'x', setmetatable({}, {__tostring = function() return 'T' end}))"
    )
    assert host.prints() == ["1\t2.5\tnil\ttrue\tx\tT"]


async def test_log_levels() -> None:
    _, host = await run_script("_PY.log('debug', 'hello', 'QA') _PY.log('error', 'bad')")
    assert [(m.level, m.text, m.tag) for m in host.sent if isinstance(m, Log)] == [
        ("debug", "hello", "QA"),
        ("error", "bad", ""),
    ]


async def test_call_and_sleep_host_functions() -> None:
    runtime, host = make_runtime()
    host.answers["api.get"] = lambda path: {"path": path, "items": [1, 2]}
    assert runtime.eval("_PY.call('api.get', {'/devices'}).path") == ["/devices"]
    ok, message = runtime.eval("pcall(_PY.call, 'nope', {})")
    assert ok is False and "no such method nope" in message
    t0 = time.perf_counter()
    runtime.eval("_PY.sleep(30)")
    assert time.perf_counter() - t0 >= 0.03


async def test_runtime_state() -> None:
    runtime, _ = make_runtime()
    runtime.eval("setTimeout(function() end, 1000)")
    state = runtime.eval("_PY.getRuntimeState()")[0]
    assert state["pendingTimers"] == 1
    assert state["pendingOperations"] == 0
    assert state["callbacksRun"] >= 1
    assert state["memoryUsed"] > 0
    assert state["uptime"] >= 0


async def test_eval_errors_and_statements() -> None:
    runtime, _ = make_runtime()
    assert runtime.eval("x = 5") == []
    assert runtime.eval("x * 2") == [10]
    assert runtime.eval("print")[0].startswith("builtin") or runtime.eval("print")[0].startswith(
        "function"
    )
    with pytest.raises(RequestFailed, match="boom"):
        runtime.eval("error('boom')")
    with pytest.raises(RequestFailed, match="expected"):
        runtime.eval("if then")


async def test_requests_dispatch_to_python_and_lua_handlers() -> None:
    runtime, host = make_runtime(exit_when_idle=False)
    runtime.eval(
        "_PY.setRequestHandler('action', function(name, n) print('action', name) return n + 1 end)"
    )
    runtime.handle(Request(7, 1, "eval", ["1 + 2"]))
    runtime.handle(Request(7, 2, "action", ["turnOn", 41]))
    runtime.handle(Request(7, 3, "nope", []))
    runtime.handle(Request(7, 0, "action", ["notified", 0]))
    runtime.handle(Request(7, 4, "eval", ["error('bad')"]))
    responses = [m for m in host.sent if isinstance(m, Response)]
    assert responses[:3] == [
        Response(7, 1, True, [3]),
        Response(7, 2, True, [42]),
        Response(7, 3, False, "unknown method nope"),
    ]
    assert responses[3].rid == 4 and not responses[3].ok and "bad" in responses[3].result
    assert len(responses) == 4
    assert host.prints() == ["action\tturnOn", "action\tnotified"]


async def test_syntax_error_in_main_chunk_is_a_load_error() -> None:
    runtime, host = make_runtime()
    assert runtime.load("local = 1", "bad.lua") is False
    [error] = host.errors()
    assert error.where == "load" and "bad.lua:1:" in error.message and "\n" not in error.message


async def test_runtime_error_in_main_chunk_is_init_error_and_timers_keep_going() -> None:
    _, host = await run_script("setTimeout(function() print('tick') end, 0) error('onInit failed')")
    [error] = host.errors()
    assert (
        error.where == "init"
        and "onInit failed" in error.message
        and "traceback" in error.traceback
    )
    assert host.prints() == ["tick"]


async def test_callback_error_is_reported_with_traceback_and_loop_goes_on() -> None:
    _, host = await run_script(
        "local function inner() error('deep') end setTimeout(function() inner() end, 0) setTimeout(function() print('after') end, 1)"
    )
    [error] = host.errors()
    assert error == Error(7, "callback", "test.lua:1: deep", error.traceback)
    assert "in upvalue 'inner'" in error.traceback or "inner" in error.traceback
    assert host.prints() == ["after"]


async def test_pending_operations_hold_the_loop() -> None:
    runtime, host = make_runtime()
    runtime.load("print('loaded')", "x.lua")
    done = trio.Event()

    async def operation(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        with runtime.pending_operation():
            task_status.started()
            await trio.sleep(0.05)
            runtime.post(lambda: runtime.run_callback(runtime.compile("print('posted')", "cb")))
        done.set()

    async with trio.open_nursery() as nursery:
        await nursery.start(operation)
        with trio.fail_after(5):
            assert await runtime.run_loop() == 0
    assert done.is_set()
    assert host.prints() == ["loaded", "posted"]
