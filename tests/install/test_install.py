"""`pip install .` (not editable) works, and the installed plua2 runs from the checkout's root.

The checkout's root has a folder named `plua2` (the root package). Run from there, a child started
as `python -m plua2.worker` would import that folder instead of the installed package unless the
current folder is kept off sys.path (`python -P`): this test is what catches that.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_plain_pip_install_runs_scripts_and_quickapps_from_the_checkout_root(
    tmp_path: Path,
) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # The dependencies come from this interpreter's site-packages, added as a plain path: none of
    # the .pth files there run, so a developer's editable install of plua2 cannot stand in for
    # the installed copy.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    host_site = sysconfig.get_paths()["purelib"]
    Path(site, "host-site-packages.pth").write_text(host_site + "\n")
    # built as a user's `pip install .` builds it: in an isolated build environment with the
    # setuptools that pyproject.toml asks for (from the package index, like the README's command)
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
               "--no-deps", "."]  # fmt: skip
    subprocess.run(install, cwd=ROOT, check=True, capture_output=True, timeout=300)
    plua2 = str(env_dir / "bin" / "plua2")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    located = subprocess.run(
        [str(python), "-P", "-c", "import plua2.worker as w; print(w.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert str(env_dir) in located.stdout  # the installed copy, not the checkout

    ran = subprocess.run(
        [plua2, "run", "-e", "setTimeout(function() print('from a worker') end, 10)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "from a worker"

    project = tmp_path / "home"
    project.mkdir()
    (project / "qa.lua").write_text(
        "--%%name=Installed\nfunction QuickApp:onInit() self:debug('up') end\n"
    )
    up = subprocess.run(
        [plua2, "up", str(project), "--port", "0", "--run-for", "3",
         "--state-dir", str(tmp_path / "state")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert up.returncode == 0, up.stdout + up.stderr
    assert "1 QuickApp(s) ready" in up.stdout, up.stdout + up.stderr
    assert "fork server unavailable" not in up.stdout + up.stderr
