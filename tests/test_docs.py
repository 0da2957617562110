"""The README and the pages under docs/: every relative link reaches a file (and a heading, for `page.md#anchor`),
and every page is linked from the README."""

import re
from pathlib import Path

import pytest
from conftest import ROOT

PAGES = sorted((ROOT / "docs").glob("*.md"))
DOCUMENTS = [ROOT / "README.md", *PAGES]
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def prose(text: str) -> str:
    """The text outside fenced code blocks and code spans, where a link is a link."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text()))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its rendered text lower-cased, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
    text = re.sub(r"[`*]|(?<!\w)_|_(?!\w)", "", text).strip().lower()  # code and emphasis marks
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a page; a repeated heading gets -1, -2, … as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for _, heading in HEADING.findall(FENCE.sub("", path.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def relative(target: str) -> bool:
    return not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", target)


def test_slug_is_githubs():
    assert slug("Which settings: the profiling study") == "which-settings-the-profiling-study"
    assert slug("The quick demo's results") == "the-quick-demos-results"
    assert slug("cotorder — chain-of-thought order experiments") == "cotorder--chain-of-thought-order-experiments"
    assert slug("The `intra: per_block` option") == "the-intra-per_block-option"


def test_links_are_found():
    assert "docs/profiling.md#which-settings-the-profiling-study" in links(ROOT / "README.md")
    assert prose("see `[x](nowhere.md)` and\n```md\n[y](nowhere.md)\n```\n") == "see  and\n\n"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_reach_a_file_and_heading(document):
    broken = []
    for target in links(document):
        if not relative(target):
            continue
        file, _, anchor = target.partition("#")
        destination = (document.parent / file).resolve() if file else document
        if not destination.exists():
            broken.append(f"{target}: no file {destination.relative_to(ROOT)}")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading with anchor #{anchor} in {destination.relative_to(ROOT)}")
    assert not broken, f"{document.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)


def test_every_docs_page_is_linked_from_the_readme():
    readme = ROOT / "README.md"
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(readme) if relative(target)}
    unlinked = [page.relative_to(ROOT) for page in PAGES if page.resolve() not in linked]
    assert not unlinked, f"docs pages the README does not link: {unlinked}"
