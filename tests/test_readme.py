"""The README's "Your own model" and "Your own data" examples run as written."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _examples(heading: str) -> list[str]:
    text = README.read_text()
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


@pytest.mark.slow
@pytest.mark.parametrize("heading", ["Your own model", "Your own data"])
def test_readme_example_runs(heading, data_mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROVISION_CACHE", str(tmp_path))
    for i, code in enumerate(_examples(heading)):
        assert len([line for line in code.splitlines() if line.strip()]) <= 20
        namespace: dict = {}
        exec(compile(code, f"README: {heading} #{i + 1}", "exec"), namespace)
        assert namespace["score"].ceiling_upper is not None
