"""The state file: what survives a restart, and refusing a corrupt or newer file untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from plua2.fibaro_api.home import Home
from plua2.fibaro_api.quickapps import create_quickapp
from plua2.fibaro_api.store import SCHEMA_VERSION, STATE_FILE, StateFileError, open_store


def test_everything_the_api_writes_comes_back(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    home = Home(store)
    home.create_device("Lamp", "com.fibaro.binarySwitch", device_id=100)
    home.update_property(100, "value", True)
    home.modify_device(100, {"name": "Big lamp"})
    qa = create_quickapp(
        home, "QA", "com.fibaro.deviceController", files=[{"name": "main", "content": "x"}]
    )
    home.update_property(qa.id, "quickAppVariables", [{"name": "ip", "value": "1.2.3.4"}])
    home.storage_set(qa.id, "token", {"a": 1})
    home.variables.add_global({"name": "G", "value": "1"})
    home.variables.set_global("G", "7")
    room = home.rooms.add_room({"name": "Attic"})
    home.variables.add_event("Bell")
    store.close()

    again = Home(open_store(tmp_path))
    assert again.devices.get(100).properties["value"] is True
    assert again.devices.get(100).dto["name"] == "Big lamp"
    assert again.devices.get(qa.id).properties["quickAppVariables"][0]["value"] == "1.2.3.4"
    assert again.internal_storage[qa.id]["token"]["value"] == {"a": 1}
    assert again.quickapp_files[qa.id][0]["content"] == "x"
    assert again.variables.get_global("G")["value"] == "7"
    assert again.rooms.get_room(room["id"])["name"] == "Attic"
    assert "Bell" in again.variables.custom_events
    assert again.next_id("quickApp") > qa.id  # ids are never handed out twice
    assert again.next_id("room") > room["id"]


def test_a_corrupt_state_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    garbage = b"this is not sqlite at all\x00" * 100
    path.write_bytes(garbage)
    with pytest.raises(StateFileError, match="corrupt"):
        open_store(tmp_path)
    assert path.read_bytes() == garbage


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.execute("CREATE TABLE x (y)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StateFileError, match="newer"):
        open_store(tmp_path)
    assert path.read_bytes() == before
