"""pyproject.toml installs on every platform and Python that TensorFlow 2.21 has wheels for, with
exactly one TensorFlow package; environment.yml asks for the same."""

import sys
from pathlib import Path

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# What pip's marker environment says on each platform (platform.machine() and sys.platform).
PLATFORMS = {
    "Linux x86-64": ("linux", "x86_64", "tensorflow-cpu"),
    "Windows x86-64": ("win32", "AMD64", "tensorflow-cpu"),
    "macOS arm64": ("darwin", "arm64", "tensorflow"),
    "Linux aarch64": ("linux", "aarch64", "tensorflow"),
    "macOS x86-64 (no TensorFlow 2.21 wheel: pip says so)": ("darwin", "x86_64", "tensorflow"),
}


def tensorflow_requirements() -> list[Requirement]:
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    return [r for r in reqs if r.name in ("tensorflow", "tensorflow-cpu")]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_exactly_one_tensorflow_package_installs(platform):
    sys_platform, machine, expected = PLATFORMS[platform]
    for python in ("3.10", "3.11", "3.12", "3.13"):
        env = default_environment() | {
            "sys_platform": sys_platform,
            "platform_machine": machine,
            "python_version": python,
        }
        chosen = [r.name for r in tensorflow_requirements() if r.marker.evaluate(env)]
        assert chosen == [expected], (platform, python, chosen)


def test_both_tensorflow_packages_are_the_same_release():
    assert {str(r.specifier) for r in tensorflow_requirements()} == {"<2.22,>=2.21"}


def test_requires_python_is_what_tensorflow_ships_wheels_for():
    accepted = SpecifierSet(PROJECT["requires-python"])
    for version in ("3.10.0", "3.11.7", "3.12.1", "3.13.0"):
        assert version in accepted
    for version in ("3.9.18", "3.14.0"):
        assert version not in accepted


def test_environment_yml_installs_the_same():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert SpecifierSet(python.removeprefix("python")) == SpecifierSet(PROJECT["requires-python"])
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip == ['-e ".[dev]"']
