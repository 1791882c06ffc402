#!/usr/bin/env python3
"""Size limits of the code (docs/architecture.md): no source file over 600 lines outside tests/, no
function over 120 lines, app/studio/mainwindow.cpp at most 400 lines. Prints what it finds over
a limit and exits 1; prints the largest files and functions with --top N.
Functions are found by their braces (comments and strings removed): a '{' whose statement holds a
parameter list and is not a class, namespace, enum, initialiser or control statement opens a
function body; lambdas count as part of the function around them.
Usage: scripts/check-sizes.py [--top N] [REPO_ROOT]
"""
import os
import re
import sys

FILE_LIMIT, FUNCTION_LIMIT = 600, 120
SPECIAL = {os.path.join("app", "studio", "mainwindow.cpp"): 400}
FOLDERS = ("core", "app", "widgets")
CONTROL = re.compile(r"^\s*(if|for|while|switch|catch|else|do|try)\b")


def strip(text):
    """Comments, string and character literals replaced by spaces (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (j + 1 - i)); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)


def functions(text):
    """(name, first line, line count) of each outermost function body."""
    code = strip(text)
    code = re.sub(r"^\s*#.*$", lambda m: " " * len(m.group(0)), code, flags=re.M)
    found, stack, start = [], [], 0  # stack of (kind, line, name)
    for i, c in enumerate(code):
        if c in ";}":
            if c == "}" and stack:
                kind, line, name = stack.pop()
                if kind == "function" and not any(k == "function" for k, _, _ in stack):
                    found.append((name, line, code.count("\n", 0, i) - line + 2))
            start = i + 1
        elif c == "{":
            head = code[start:i].strip()
            inside_function = any(k == "function" for k, _, _ in stack)
            kind = "block"
            if not inside_function and ")" in head and not CONTROL.match(head) and not re.search(r"\b(class|struct|namespace|enum|union)\b[^()]*$", head) \
                    and not head.rstrip().endswith("="):
                kind = "function"
            name = ""
            if kind == "function":
                m = re.search(r"([~\w:]+)\s*\(", head)
                name = m.group(1) if m else head[:40]
            stack.append((kind, code.count("\n", 0, i) + 1 - head.count("\n"), name))
            start = i + 1
    return found


def main(argv):
    top = 0
    if argv and argv[0] == "--top":
        top, argv = int(argv[1]), argv[2:]
    root = os.path.abspath(argv[0] if argv else os.path.join(os.path.dirname(__file__), ".."))
    problems, sizes, funcs = [], [], []
    for folder in FOLDERS:
        for base, _, names in os.walk(os.path.join(root, folder)):
            for n in names:
                if not n.endswith((".cpp", ".h", ".inc")):
                    continue
                path = os.path.join(base, n)
                rel = os.path.relpath(path, root)
                text = open(path, encoding="utf-8", errors="replace").read()
                lines = text.count("\n")
                sizes.append((lines, rel))
                limit = SPECIAL.get(rel, FILE_LIMIT)
                if lines > limit:
                    problems.append(f"{rel}: {lines} lines (limit {limit})")
                for name, line, length in functions(text):
                    funcs.append((length, f"{rel}:{line} {name}"))
                    if length > FUNCTION_LIMIT:
                        problems.append(f"{rel}:{line}: function {name} is {length} lines (limit {FUNCTION_LIMIT})")
    if top:
        print(f"largest files:")
        for n, rel in sorted(sizes, reverse=True)[:top]:
            print(f"  {n:5d} {rel}")
        print(f"longest functions:")
        for n, where in sorted(funcs, reverse=True)[:top]:
            print(f"  {n:5d} {where}")
    if problems:
        print(f"{len(problems)} over a size limit:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"{len(sizes)} files within {FILE_LIMIT} lines (mainwindow.cpp within 400), {len(funcs)} functions within {FUNCTION_LIMIT} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
