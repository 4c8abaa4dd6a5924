#!/usr/bin/env python3
"""Checks the shell commands of the runbooks: every ```bash block of docs/*.md must parse
(bash -n) and pass shellcheck, the blocks of one document read as one script in order (later
blocks use the variables earlier ones set). Findings point at the Markdown line.

Usage: doc-commands.py FILE.md...
"""
import re
import subprocess
import sys
import tempfile

# SC2154: set by the reader's environment; SC2034: a value shown for the reader to use;
# SC2016: JSON and JMESPath literals in single quotes, where a $ is meant literally.
EXCLUDED = "SC2154,SC2034,SC1091,SC2016"


def blocks(path):
    """(first Markdown line, lines) of each ```bash block, indented ones included."""
    found, current, indent = [], None, ""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if current is None:
                m = re.match(r"^(\s*)```(bash|sh)\s*$", line)
                if m:
                    current, indent = (number + 1, []), m.group(1)
            elif line.strip() == "```":
                found.append(current)
                current = None
            else:
                current[1].append(line[len(indent):] if line.startswith(indent) else line.lstrip())
    return found


def main():
    problems, count = [], 0
    for path in sys.argv[1:]:
        script, where = ["#!/bin/bash\n"], [0]
        for start, lines in blocks(path):
            count += 1
            for offset, line in enumerate(lines):
                script.append(line if line.endswith("\n") else line + "\n")
                where.append(start + offset)
        if len(script) == 1:
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".sh") as f:
            f.writelines(script)
            f.flush()
            syntax = subprocess.run(["bash", "-n", f.name], capture_output=True, text=True)
            for m in re.finditer(r"line (\d+): (.*)", syntax.stderr):
                problems.append(f"{path}:{where[int(m.group(1)) - 1]}: bash: {m.group(2)}")
            lint = subprocess.run(["shellcheck", "--shell=bash", "--format=gcc",
                                   f"--exclude={EXCLUDED}", f.name], capture_output=True, text=True)
            for m in re.finditer(r"^[^:]+:(\d+):(\d+): (.*)$", lint.stdout, re.M):
                problems.append(f"{path}:{where[int(m.group(1)) - 1]}:{m.group(2)}: {m.group(3)}")
    for problem in problems:
        print(f"doc-commands: FAIL: {problem}", file=sys.stderr)
    if not problems:
        print(f"doc-commands: {count} bash blocks in {len(sys.argv) - 1} documents parse and pass shellcheck")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
