#!/usr/bin/env python3
"""The repository stands on its own: what its files point at is inside it.

    self_contained.py [SOURCE_ROOT]

Over every file of the repository (git's list, or the tree without build/ and node_modules/
outside a checkout), fails when
  - a Markdown document is named (<name>.md) that no file of the repository is;
  - a relative path (../x) climbs out of the repository;
  - a citation `docs/<doc>.md, Section`, `docs/<doc>.md (Section` or `docs/<doc>.md#anchor`
    names a section that the document does not have;
  - a relative Markdown link in a .md file leads to no file or folder of the repository.
Prints each problem as file:line. Python 3 stdlib only.
"""
import os
import re
import subprocess
import sys

DOC_NAME = re.compile(r"[\w./-]*\b[\w-]+\.md\b")
CLIMB = re.compile(r"(?<![\w.])\.\./[\w./-]+")
DOC_CITATION = re.compile(r"\b(docs/[\w-]+\.md)(, |#| \()\s*")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)")


def repository_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True,
                             check=True).stdout.decode("utf-8")
        files = [f for f in out.split("\0") if f]
        if files:
            return files
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for d, subdirs, names in os.walk(root):
        subdirs[:] = [s for s in subdirs if s not in ("build", "node_modules", ".git")]
        files += [os.path.relpath(os.path.join(d, n), root) for n in names]
    return files


def read_text(root, name):
    try:
        with open(os.path.join(root, name), encoding="utf-8") as f:
            return f.read()
    except (UnicodeDecodeError, OSError):
        return None  # binary (fuzz seeds) or unreadable: nothing to check


def headings(text):
    return [re.sub(r"^#+\s*", "", line).strip() for line in text.splitlines()
            if line.startswith("#")]


def anchor(heading):
    """The anchor a Markdown renderer gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def unwrapped(text):
    """The text with line breaks, comment leaders and indentation folded into one space, so a
    citation that a comment wraps over two lines reads as one."""
    return re.sub(r"\s*\n\s*(?:#+|//+|\*)?\s*", " ", text)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


class Checker:
    def __init__(self, root):
        self.root = root
        self.files = repository_files(root)
        self.paths = set(self.files)
        self.folders = set()
        for f in self.files:
            d = os.path.dirname(f)
            while d:
                self.folders.add(d)
                d = os.path.dirname(d)
        self.basenames = {os.path.basename(f) for f in self.files}
        self.doc_headings = {}
        self.problems = []

    def inside(self, name):
        return name in self.paths or name in self.folders

    def problem(self, name, line, what):
        self.problems.append("%s:%d: %s" % (name, line, what))

    def sections_of(self, doc):
        if doc not in self.doc_headings:
            text = read_text(self.root, doc) if doc in self.paths else None
            self.doc_headings[doc] = headings(text) if text is not None else None
        return self.doc_headings[doc]

    def check_file(self, name):
        text = read_text(self.root, name)
        if text is None:
            return
        for m in DOC_NAME.finditer(text):
            if os.path.basename(m.group(0)) not in self.basenames:
                self.problem(name, line_of(text, m.start()),
                             "names %s, which is not in the repository" % m.group(0))
        for m in CLIMB.finditer(text):
            target = os.path.normpath(os.path.join(os.path.dirname(name), m.group(0)))
            if target.startswith(".."):
                self.problem(name, line_of(text, m.start()),
                             "%s leads out of the repository" % m.group(0))
        self.check_citations(name, text)
        if name.endswith(".md"):
            self.check_links(name, text)

    def check_citations(self, name, text):
        flat = unwrapped(text)
        for m in DOC_CITATION.finditer(flat):
            doc, separator = m.group(1), m.group(2)
            sections = self.sections_of(doc)
            where = line_of(text, text.find(doc)) if doc in text else 1
            if sections is None:
                self.problem(name, where, "cites %s, which is not in the repository" % doc)
                continue
            rest = flat[m.end():m.end() + 120]
            if separator == "#":
                wanted = re.match(r"[\w-]*", rest).group(0)
                if wanted not in {anchor(s) for s in sections}:
                    self.problem(name, where, "links %s#%s: no such section" % (doc, wanted))
            elif not any(rest.startswith(s) for s in sections):
                self.problem(name, where, "cites %s, %r...: no section starts so"
                             % (doc, rest[:40]))

    def check_links(self, name, text):
        for m in MARKDOWN_LINK.finditer(text):
            target = m.group(1)
            if "://" in target or target.startswith("mailto:"):
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(name), target))
            if not self.inside(path):
                self.problem(name, line_of(text, m.start()),
                             "links %s, which is not in the repository" % target)

    def run(self):
        for name in self.files:
            self.check_file(name)
        return self.problems


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), ".."))
    checker = Checker(root)
    problems = checker.run()
    for p in problems:
        print(p)
    print("%d files checked, %d problems" % (len(checker.files), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
