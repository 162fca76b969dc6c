#!/usr/bin/env python3
"""Regenerates docs/user-guide.md: runs the walk-through with the real binary in both languages
and puts each transcript where template.md says `@@name@@`.

    cargo build -p juece-cli && python3 docs/guide-src/build.py
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def transcripts(lang, out):
    subprocess.run(["bash", os.path.join(HERE, "run.sh"), lang, out], check=True)
    blocks = {}
    for name in os.listdir(out):
        with open(os.path.join(out, name), encoding="utf-8") as f:
            blocks[name[: -len(".txt")]] = f.read().rstrip("\n")
    return blocks


def fill(text, blocks):
    lines = []
    for line in text.split("\n"):
        if line.startswith("@@") and line.endswith("@@"):
            lines.append("```text\n" + blocks[line.strip("@")] + "\n```")
        else:
            lines.append(line)
    return "\n".join(lines)


def main():
    with open(os.path.join(HERE, "template.md"), encoding="utf-8") as f:
        template = f.read()
    zh_part, en_part = template.split("\n# User guide", 1)
    with tempfile.TemporaryDirectory() as tmp:
        zh = transcripts("zh", os.path.join(tmp, "zh"))
        en = transcripts("en", os.path.join(tmp, "en"))
    guide = fill(zh_part, zh) + "\n# User guide" + fill(en_part, en)
    target = os.path.join(HERE, "..", "user-guide.md")
    with open(target, "w", encoding="utf-8") as f:
        f.write(guide)
    print(f"wrote {os.path.normpath(target)}")


if __name__ == "__main__":
    sys.exit(main())
