"""The package list (the rest of the metadata is pyproject.toml's): darts_lab's packages, plus
the Hydra configs in conf/ as package data under darts_lab/conf/, so a wheel carries them.
pyproject.toml cannot say this: its package-data reaches only inside a package's own folder,
and conf/ stays at the repository root, where the configs are read and edited.
"""

from setuptools import find_namespace_packages, setup

CONF = ["darts_lab.conf", *(f"darts_lab.conf.{p}" for p in find_namespace_packages(where="conf"))]

setup(
    packages=[*find_namespace_packages(include=["darts_lab*"]), *CONF],  # as packages.find did
    package_dir={"darts_lab.conf": "conf"},
)
