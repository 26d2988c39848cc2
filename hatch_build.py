"""Wheel build hook: ship the template history as a git bundle so `scaffold update` works offline."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class TemplateBundleHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        spec = importlib.util.spec_from_file_location("_scaffold_templates", root / "src/scaffold/templates.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
        spec.loader.exec_module(module)
        out = Path(tempfile.mkdtemp(prefix="scaffold-bundle-")) / "templates.bundle"
        if (root / ".git").exists():
            module.build_bundle(root, out)
        else:
            module.build_bundle(None, out, plain_dir=root / "templates")
        build_data["force_include"][str(out)] = "scaffold/templates.bundle"
