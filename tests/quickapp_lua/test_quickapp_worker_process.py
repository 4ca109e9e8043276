"""QuickApps in real worker processes: the Load contract, "api" Requests to a fake supervisor,
"action" / "uiEvent" notifications, errors, and a blocking fibaro.sleep. Each test under fail_after."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import trio
from plua2.shared.messages import (
    Error,
    Hello,
    Load,
    Log,
    Message,
    Ping,
    Pong,
    Ready,
    Request,
    Response,
)
from qa_lua_helpers import QA_ID, FakeHC3, WorkerProcess, qa_device, quickapp_option

LIMIT = 15

QA_SOURCE = """
class 'Lamp'(QuickAppChild)
function Lamp:__init(device) QuickAppChild.__init(self, device) end
function Lamp:turnOn() self:updateProperty("value", true) print("lamp on", self.id) end

function QuickApp:onInit()
  self:debug("onInit", self.id)
  self:initChildDevices({["com.fibaro.binarySwitch"] = Lamp})
end
function QuickApp:setLevel(level) self:updateProperty("value", level) print("level", level) end
function QuickApp:fail() error("action broke") end
function QuickApp:nap(ms) fibaro.sleep(ms) print("woke") end
function QuickApp:pressed(event) print("pressed", event.elementName, event.values[1]) end
"""


def _home() -> tuple[FakeHC3, dict[str, Any], dict[str, Any]]:
    hc3 = FakeHC3()
    qa = hc3.add(
        qa_device(
            properties={
                "value": 0,
                "uiCallbacks": [{"name": "btn", "eventType": "onReleased", "callback": "pressed"}],
            }
        )
    )
    child = hc3.add(qa_device(5100, name="Lamp", parent_id=QA_ID, interfaces=["quickAppChild"]))
    return hc3, qa, child


class Supervisor:
    """The fake supervisor side of one worker: answers "api" Requests from a FakeHC3."""

    def __init__(self, worker: WorkerProcess, hc3: FakeHC3) -> None:
        self.worker = worker
        self.hc3 = hc3
        self.api_requests: list[Request] = []

    async def boot(self, source: str, quickapp: dict[str, Any]) -> list[Message]:
        hello = await self.worker.receive()
        assert isinstance(hello, Hello)
        options = {"sandbox": "quickapp", "quickapp": quickapp}
        await self.worker.send(Load(7, source, "@main", options))
        return await self.until(lambda m: isinstance(m, Ready))

    async def until(self, done: Callable[[Message], bool]) -> list[Message]:
        """Messages up to and including the first for which `done` is true; "api" answered."""
        seen: list[Message] = []
        while True:
            message = await self.worker.receive()
            if isinstance(message, Request) and message.method == "api":
                self.api_requests.append(message)
                result = self.hc3.api(*message.params)
                await self.worker.send(Response(7, message.rid, True, result))
            seen.append(message)
            if done(message):
                return seen

    async def notify(self, method: str, *params: Any) -> None:
        await self.worker.send(Request(7, 0, method, list(params)))


def _log(text: str) -> Callable[[Message], bool]:
    return lambda m: isinstance(m, Log) and m.text == text


@pytest.fixture
async def worker() -> AsyncIterator[WorkerProcess]:
    process = await WorkerProcess.start()
    try:
        yield process
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(10):
            await process.aclose()


async def test_boot_action_ui_event_and_update_property(worker: WorkerProcess) -> None:
    hc3, qa, child = _home()
    supervisor = Supervisor(worker, hc3)
    with trio.fail_after(LIMIT):
        boot = await supervisor.boot(QA_SOURCE, quickapp_option(qa, children=[child]))
        assert Log(7, "debug", "onInit 5000", "QUICKAPP5000") in boot
        assert not any(isinstance(m, Error) for m in boot)
        assert supervisor.api_requests == []  # children came with the options

        await supervisor.notify("action", QA_ID, "setLevel", [42])
        await supervisor.until(_log("level 42"))
        [request] = supervisor.api_requests
        assert request.rid != 0 and request.params == [
            "POST",
            "/plugins/updateProperty",
            {"deviceId": 5000, "propertyName": "value", "value": 42},
        ]
        assert hc3.devices[QA_ID]["properties"]["value"] == 42

        await supervisor.notify("action", 5100, "turnOn", [])
        await supervisor.until(_log("lamp on 5100"))
        assert hc3.devices[5100]["properties"]["value"] is True

        event = {"deviceId": QA_ID, "eventType": "onReleased", "elementName": "btn", "values": [1]}
        await supervisor.notify("uiEvent", event)
        await supervisor.until(_log("pressed btn 1"))

        await supervisor.notify("action", QA_ID, "UIAction", ["onReleased", "btn", "x"])
        await supervisor.until(_log("pressed btn x"))


async def test_error_in_on_init_is_init_error_and_the_worker_stays(worker: WorkerProcess) -> None:
    hc3, qa, _ = _home()
    supervisor = Supervisor(worker, hc3)
    with trio.fail_after(LIMIT):
        boot = await supervisor.boot(
            "function QuickApp:onInit() error('init broke') end", quickapp_option(qa, children=[])
        )
        [error] = [m for m in boot if isinstance(m, Error)]
        assert error.where == "init" and "main:1: init broke" in error.message
        assert "onInit" in error.traceback
        await worker.send(Ping(7, 3))
        assert await supervisor.until(lambda m: isinstance(m, Pong)) == [Pong(7, 3)]
        assert worker.process.returncode is None


async def test_error_in_an_action_then_the_next_action_runs(worker: WorkerProcess) -> None:
    hc3, qa, child = _home()
    supervisor = Supervisor(worker, hc3)
    with trio.fail_after(LIMIT):
        await supervisor.boot(QA_SOURCE, quickapp_option(qa, children=[child]))
        await supervisor.notify("action", QA_ID, "fail", [])
        await supervisor.notify("action", QA_ID, "setLevel", [7])
        [error] = await supervisor.until(lambda m: isinstance(m, Error))
        assert isinstance(error, Error)
        assert error.where == "callback" and "main:11: action broke" in error.message
        assert "stack traceback" in error.traceback
        await supervisor.until(_log("level 7"))


async def test_fibaro_sleep_blocks_only_this_worker_and_answers_pings(
    worker: WorkerProcess,
) -> None:
    hc3, qa, child = _home()
    sleeper = Supervisor(worker, hc3)
    other_process = await WorkerProcess.start()
    try:
        other_hc3 = FakeHC3()
        other = Supervisor(other_process, other_hc3)
        with trio.fail_after(LIMIT):
            await sleeper.boot(QA_SOURCE, quickapp_option(qa, children=[child]))
            await other.boot(QA_SOURCE, quickapp_option(other_hc3.add(qa_device()), children=[]))

            await sleeper.notify("action", QA_ID, "nap", [800])
            await sleeper.notify("action", QA_ID, "setLevel", [1])  # waits for the nap
            await trio.sleep(0.1)
            await worker.send(Ping(7, 21))
            seen = await sleeper.until(lambda m: isinstance(m, Pong))
            assert seen == [Pong(7, 21)]  # answered mid-sleep; nothing else happened yet

            await other.notify("action", QA_ID, "setLevel", [2])  # the other QA is not blocked
            await other.until(_log("level 2"))

            after = await sleeper.until(_log("level 1"))
            texts = [m.text for m in after if isinstance(m, Log)]
            assert texts == ["woke", "level 1"]
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(10):
            await other_process.aclose()


async def test_bad_quickapp_option_is_a_load_error(worker: WorkerProcess) -> None:
    with trio.fail_after(LIMIT):
        await worker.receive_until(Hello)
        await worker.send(Load(7, "", "@main", {"sandbox": "quickapp", "quickapp": {"id": "x"}}))
        error = await worker.receive()
        assert isinstance(error, Error) and error.where == "load" and "quickapp.id" in error.message
        assert await worker.process.wait() == 2
