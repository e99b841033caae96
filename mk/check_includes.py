#!/usr/bin/python3
"""mk/check_includes.py [TOP] - the layering rules of the layout (README, "Layout"), checked on
the source: (1) a module includes only headers of its own layer and the layers below it
(common <- bse <- pouw <- chain <- experiments; tests, examples and fuzz targets may include
anything), and (2) no two files include each other in a circle (quoted includes, resolved
from the top folder, as the build's -I. does). Prints each violation on one line and exits 1
when there is any; prints "includes: N files, layering and cycles ok" otherwise."""
import os
import re
import sys

TOP = sys.argv[1] if len(sys.argv) > 1 else "."
LAYERS = ["common", "bse", "pouw", "chain", "experiments"]
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

files = {}
for layer in LAYERS + ["tests", "examples"]:
    for root, _, names in os.walk(os.path.join(TOP, layer)):
        for n in names:
            if n.endswith((".c", ".h")):
                p = os.path.relpath(os.path.join(root, n), TOP)
                with open(os.path.join(TOP, p), errors="replace") as f:
                    files[p] = [m.group(1) for m in INC.finditer(f.read())]

bad = []


def layer_of(path):
    top = path.split("/", 1)[0]
    return LAYERS.index(top) if top in LAYERS else None


edges = {}
for p, incs in sorted(files.items()):
    mine = layer_of(p)
    for inc in incs:
        target = inc if inc in files else os.path.normpath(os.path.join(os.path.dirname(p), inc))
        if target not in files:
            continue  # generated (version_gen.h) or system-like
        edges.setdefault(p, []).append(target)
        theirs = layer_of(target)
        if mine is not None and theirs is not None and theirs > mine:
            bad.append(f"{p}: includes {inc}: {LAYERS[mine]} may not depend on {LAYERS[theirs]}")

# cycles: depth-first search with colours, reporting each cycle once
WHITE, GREY, BLACK = 0, 1, 2
colour = {p: WHITE for p in files}
stack = []


def visit(p):
    colour[p] = GREY
    stack.append(p)
    for q in edges.get(p, []):
        if colour[q] == GREY:
            cyc = stack[stack.index(q):] + [q]
            bad.append("include cycle: " + " -> ".join(cyc))
        elif colour[q] == WHITE:
            visit(q)
    stack.pop()
    colour[p] = BLACK


sys.setrecursionlimit(10000)
for p in sorted(files):
    if colour[p] == WHITE:
        visit(p)

for b in bad:
    print(b, file=sys.stderr)
if bad:
    sys.exit(1)
print(f"includes: {len(files)} files, layering and cycles ok")
