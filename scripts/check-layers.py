#!/usr/bin/env python3
"""The layering of the code, read from its #include graph (docs/architecture.md).

Prints how many includes run between each pair of parts, then fails (exit 1) on:
  - an include from a lower part to a higher one (core's parts are ordered below; widgets sit
    above core, the CLI and the studio above widgets, and the two front ends never include each
    other);
  - an include cycle between files;
  - a public header (core/include/fbnet) that includes a private one, torch or Qt;
  - a private include not spelled by its path under core/src ("search/supernet.h");
  - a public header the script cannot place in a part (add it to HEADER_ONLY below).
Usage: scripts/check-layers.py [REPO_ROOT]
"""
import os
import re
import sys

CORE_PARTS = ["base", "space", "compute", "nn", "data", "latency", "family", "search", "store", "jobs", "export"]
RANK = {p: i for i, p in enumerate(CORE_PARTS)}
RANK.update({"widgets": len(CORE_PARTS), "cli": len(CORE_PARTS) + 1, "studio": len(CORE_PARTS) + 1})
# Public headers with no .cpp of the same name: the part that owns them.
HEADER_ONLY = {"search": "search", "searchtypes": "search", "computeoptions": "compute", "stoptoken": "base"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)


def main(root):
    core_src = os.path.join(root, "core", "src")
    public = os.path.join(root, "core", "include", "fbnet")
    impl = {}  # basename without extension -> part, from core/src/<part>/<name>.cpp
    for part in os.listdir(core_src):
        d = os.path.join(core_src, part)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if f.endswith(".cpp"):
                    impl.setdefault(f[:-4], part)
    problems = []

    def part_of(path):
        rel = os.path.relpath(path, root)
        bits = rel.split(os.sep)
        if bits[:2] == ["core", "src"]:
            return bits[2] if len(bits) > 3 else "core/src (top level)"
        if bits[:3] == ["core", "include", "fbnet"]:
            name = os.path.splitext(bits[3])[0]
            if name in HEADER_ONLY:
                return HEADER_ONLY[name]
            if name in impl:
                return impl[name]
            problems.append(f"{rel}: no core/src/<part>/{name}.cpp implements it; give it a part in HEADER_ONLY")
            return "?"
        if bits[0] == "widgets":
            return "widgets"
        if bits[:2] == ["app", "cli"]:
            return "cli"
        if bits[:2] == ["app", "studio"]:
            return "studio"
        return None

    files = []
    for top in ("core", "widgets", "app"):
        for base, _, names in os.walk(os.path.join(root, top)):
            files += [os.path.join(base, n) for n in names if n.endswith((".cpp", ".h", ".inc"))]
    graph = {}
    edges = {}
    for f in sorted(files):
        here = part_of(f)
        text = open(f, encoding="utf-8", errors="replace").read()
        rel = os.path.relpath(f, root)
        targets = []
        for kind, name in INCLUDE.findall(text):
            if kind == "<":
                if rel.startswith(os.path.join("core", "include")) and re.match(r"(torch|ATen|c10|Q[A-Za-z]*)(/|$)", name):
                    problems.append(f"{rel}: a public header includes <{name}> (torch and Qt stay out of core's public headers)")
                continue
            if name.startswith("fbnet/"):
                target = os.path.join(public, name[len("fbnet/"):])
            elif f.startswith(core_src + os.sep) or f.startswith(public + os.sep):
                target = os.path.join(core_src, name)
                if not os.path.exists(target):
                    problems.append(f"{rel}: includes \"{name}\", which is not a path under core/src")
                    continue
                if f.startswith(public + os.sep):
                    problems.append(f"{rel}: a public header includes the private \"{name}\"")
            else:
                target = os.path.normpath(os.path.join(os.path.dirname(f), name))
                if not os.path.exists(target):
                    continue  # a generated header (ui_*, moc) or a system one spelled with quotes
            targets.append(target)
            there = part_of(target)
            if here and there and here != there:
                edges[(here, there)] = edges.get((here, there), 0) + 1
                if RANK.get(here, -1) <= RANK.get(there, -1):
                    problems.append(f"{rel} ({here}) includes {os.path.relpath(target, root)} ({there}): "
                                    f"{'a lower part includes a higher one' if RANK.get(here, -1) < RANK.get(there, -1) else 'parts on one level include each other'}")
        graph[f] = targets

    # Cycles between files (an include circle), by depth-first search.
    state = {}
    def visit(f, stack):
        state[f] = 1
        stack.append(f)
        for t in graph.get(f, []):
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                problems.append("include cycle: " + " -> ".join(os.path.relpath(c, root) for c in cycle))
            elif t in graph and not state.get(t):
                visit(t, stack)
        stack.pop()
        state[f] = 2
    sys.setrecursionlimit(10000)
    for f in graph:
        if not state.get(f):
            visit(f, [])

    order = CORE_PARTS + ["widgets", "cli", "studio"]
    print("includes between parts (from -> to: count), lowest part first:")
    print("  order: " + " < ".join(CORE_PARTS) + " < widgets < cli, studio")
    key = lambda e: (order.index(e[0]) if e[0] in order else 99, order.index(e[1]) if e[1] in order else 99)
    for (a, b), n in sorted(edges.items(), key=lambda kv: key(kv[0])):
        print(f"  {a:>8} -> {b:<8} {n}")
    top = [n for n in os.listdir(core_src) if not os.path.isdir(os.path.join(core_src, n))]
    for n in top:
        problems.append(f"core/src/{n}: core/src's top level holds the parts' folders only")
    for n in os.listdir(core_src):
        if os.path.isdir(os.path.join(core_src, n)) and n not in RANK:
            problems.append(f"core/src/{n}: a folder that is no part of the order (add it to CORE_PARTS)")
    if problems:
        print(f"\n{len(problems)} layering problem(s):")
        for p in problems:
            print("  " + p)
        return 1
    print(f"\n{len(graph)} files: no include cycle, no include from a lower part to a higher one")
    return 0


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))))
