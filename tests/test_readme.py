"""The README's fresh-machine test command is the one CI runs."""

import re

from conftest import ROOT


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"Set up and run the tests:\s*```bash\n(.+)\n```", readme)
    assert match, "README lacks the 'Set up and run the tests' command"
    assert match.group(1) in (ROOT / ".ci" / "run").read_text().splitlines()
