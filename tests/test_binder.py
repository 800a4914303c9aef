"""Binder runs what CI tested: pinned versions, the project itself, and a repo2docker plan that installs them."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "binder" / "requirements.txt"


def _pins() -> dict[str, str]:
    pins = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-e"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)", line)
        assert match, f"binder/requirements.txt: {line!r} is not an exact pin 'name==version'"
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def _runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]]


def test_every_runtime_dependency_is_pinned_within_its_declared_range():
    pins = _pins()
    for req in _runtime_requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is a runtime dependency in pyproject.toml but is not pinned for Binder"
        assert req.specifier.contains(pins[name]), f"pin {name}=={pins[name]} violates pyproject's {req}"
    extra = set(pins) - {canonicalize_name(r.name) for r in _runtime_requirements()}
    assert not extra, f"binder/requirements.txt pins packages pyproject.toml does not declare: {sorted(extra)}"


def test_pins_are_the_versions_this_environment_tested():
    for name, version in _pins().items():
        assert metadata.version(name) == version, (
            f"{name}: tested with {metadata.version(name)} but Binder pins {version}; install as the README says"
        )


def test_binder_installs_the_project_and_the_python_ci_uses():
    lines = [line.strip() for line in REQUIREMENTS.read_text().splitlines()]
    assert "-e ." in lines, "binder/requirements.txt must install the project itself (-e .)"
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}", (
        f"binder/runtime.txt says {runtime!r} but CI runs Python {sys.version_info.major}.{sys.version_info.minor}"
    )


def test_repo2docker_plan_installs_the_pinned_requirements():
    """``repo2docker --no-build`` writes the Dockerfile it would build (no Docker needed): read its plan."""
    exe = Path(sys.executable).with_name("repo2docker")
    assert exe.exists(), "jupyter-repo2docker is part of the test extra: install as the README says"
    result = subprocess.run([str(exe), "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    plan = result.stdout + result.stderr
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"python={version}" in plan, "repo2docker would not use the Python of binder/runtime.txt"
    install = plan.find('pip install --no-cache-dir -r "binder/requirements.txt"')
    copy_repo = plan.find("COPY --chown=0:0 src/ ${REPO_DIR}/")
    assert install != -1, "repo2docker would not install binder/requirements.txt"
    # '-e .' needs the repository's files: repo2docker must install after copying them in.
    assert copy_repo != -1 and install > copy_repo, "repo2docker would install before the repository is copied"
