"""The rules the code implements are written down in docs/, and the code points there: every
`docs/<file>.md#<section>` a comment or docstring cites exists, and nothing cites a document that
lives outside the repository."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"docs/([a-z_]+)\.md#([a-z0-9-]+)")
OUTSIDE = re.compile(r"\b(?:domain|anchors)\.md\b")


def tracked_sources() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "*.py", "*.html", "*.txt", "Makefile", "*.sh"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in names if (ROOT / name).exists()]


def anchors(markdown: Path) -> set[str]:
    """GitHub's anchors of the headings: lowercase, punctuation dropped, spaces as dashes."""
    found = set()
    for line in markdown.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^#{1,6}\s+(.*)", line):
            found.add(re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-"))
    return found


def test_every_cited_docs_section_exists():
    cited = {m.groups() for p in tracked_sources() for m in CITATION.finditer(p.read_text())}
    assert len(cited) > 30  # the code does cite its rules
    missing = sorted(
        f"docs/{name}.md#{anchor}"
        for name, anchor in cited
        if not (ROOT / "docs" / f"{name}.md").exists()
        or anchor not in anchors(ROOT / "docs" / f"{name}.md")
    )
    assert missing == []


def test_nothing_cites_documents_outside_the_repository():
    offenders = [
        str(p.relative_to(ROOT))
        for p in tracked_sources()
        if p.name != "test_docs.py" and OUTSIDE.search(p.read_text())
    ]
    assert offenders == []
