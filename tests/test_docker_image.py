"""The Docker image starts: what the Dockerfile copies installs and passes ``yooini check``.

Building the image needs its base image, which a test machine may not be able to pull; this
test does the part that broke: it reads the Dockerfile's ``COPY`` lines and the
``.dockerignore``, copies exactly those files into an empty directory, installs them the way
the image does (``pip install .``, without dependencies: this environment already has them)
and runs ``yooini check`` from a fresh interpreter that cannot see this checkout.
"""

from __future__ import annotations

import fnmatch
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def dockerignore_patterns() -> list[str]:
    path = ROOT / ".dockerignore"
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule, as far as this project's patterns need it: a pattern matches the path or
    any of its parent directories; ``**/`` matches at any depth."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        if pattern.startswith("!"):
            raise AssertionError("exceptions (!) in .dockerignore are not understood by this test")
        bare = pattern.removeprefix("**/")
        for prefix in prefixes:
            if fnmatch.fnmatchcase(prefix, pattern):
                return True
            if bare != pattern and fnmatch.fnmatchcase(prefix.rsplit("/", 1)[-1], bare):
                return True
    return False


def build_context(destination: Path) -> None:
    """Copy what the Dockerfile's COPY lines take from the context into ``destination``."""
    patterns = dockerignore_patterns()
    copies = [
        shlex.split(line)[1:]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ")
    ]
    assert copies, "the Dockerfile copies nothing"
    for *sources, target in copies:
        assert not any(s.startswith("--") for s in sources), "COPY flags are not understood"
        for source in sources:
            base = ROOT / source
            into = destination / target if target not in (".", "./") else destination
            if base.is_file():
                into.mkdir(parents=True, exist_ok=True)
                shutil.copy2(base, into / base.name if target.endswith("/") else into)
                continue
            for folder, dirs, files in os.walk(base):
                here = Path(folder)
                dirs[:] = [
                    d
                    for d in dirs
                    if not ignored((here / d).relative_to(ROOT).as_posix(), patterns)
                ]
                for name in files:
                    path = here / name
                    if ignored(path.relative_to(ROOT).as_posix(), patterns):
                        continue
                    copied = into / path.relative_to(base)
                    copied.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, copied)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(an interpreter that sees only the installed image files and the dependencies, site)."""
    tmp = tmp_path_factory.mktemp("image")
    context, site, env = tmp / "app", tmp / "site", tmp / "env"
    build_context(context)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), "."],
        cwd=context,
        check=True,
        timeout=300,
    )
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    purelib = Path(
        subprocess.run(
            [
                env / "bin" / "python",
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The installed image files first, then this environment's dependencies. A path added by
    # a .pth line is not itself scanned for .pth files, so this checkout's editable install
    # stays invisible.
    (purelib / "image.pth").write_text(f"{site}\n{sysconfig.get_paths()['purelib']}\n")
    return env / "bin" / "python", site


def run(python: Path, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        "YOOINI_VAR_DIR": str(tmp / "var"),
        "DJANGO_SECRET_KEY": "image-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    }
    return subprocess.run(
        [str(python), *args], cwd=tmp, env=env, capture_output=True, text=True, timeout=120
    )


def test_every_package_of_the_project_is_in_the_image(installed):
    _, site = installed
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    for package in (p.removesuffix("*") for p in packages):
        assert (site / package / "__init__.py").is_file(), f"{package} is not in the image"


def test_the_installed_image_files_pass_yooini_check(installed, tmp_path):
    python, site = installed
    where = run(python, "-c", "import yooini; print(yooini.__file__)", tmp=tmp_path)
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(site)), where.stdout
    checked = run(python, "-m", "yooini.cli", "check", tmp=tmp_path)
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "System check identified no issues" in checked.stdout
