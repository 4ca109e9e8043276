"""Files written by pack/unpack get the usual permissions, not mkstemp's 0600."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "examples" / "quickapps" / "panel" / "main.lua"


def test_pack_and_unpack_write_files_with_the_umask_mode(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        fqa = tmp_path / "panel.fqa"
        pack = [sys.executable, "-m", "plua2", "pack", str(EXAMPLE), "-o", str(fqa)]
        subprocess.run(pack, check=True, capture_output=True)
        out = tmp_path / "out"
        unpack = [sys.executable, "-m", "plua2", "unpack", str(fqa), str(out)]
        subprocess.run(unpack, check=True, capture_output=True)
    finally:
        os.umask(umask)
    written = [fqa, *sorted(p for p in out.rglob("*") if p.is_file())]
    assert len(written) >= 2
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {oct(0o644)}
