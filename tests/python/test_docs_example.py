"""The example in docs/PYTHON.md runs as written."""

import os
import re

import numpy as np

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "PYTHON.md")


def test_docs_example_runs():
    text = open(DOC).read()
    section = text[text.index("## Example"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope = {}
    exec(compile(code, "docs/PYTHON.md", "exec"), scope)
    assert scope["out"].shape == (2, 8, 64) and np.array_equal(scope["out"], scope["out2"])
    assert scope["cache"].num_free_pages == 6
