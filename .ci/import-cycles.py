#!/usr/bin/env python3
"""Top-level modules of server/src that import each other (`use crate::` both ways), for
the seams issue: run from the repository root, `python3 .ci/import-cycles.py`."""
import os, re, sys, collections
root = sys.argv[1] if len(sys.argv) > 1 else 'server/src'
edges = collections.defaultdict(set)
counts = collections.Counter()
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'): continue
        p = os.path.join(dp, f)
        rel = os.path.relpath(p, root)
        top = rel.split(os.sep)[0]
        if top.endswith('.rs'): top = top[:-3]
        src = open(p).read()
        # strip comments
        src = re.sub(r'//[^\n]*', '', src)
        refs = set(re.findall(r'crate::([a-z_][a-z0-9_]*)', src))
        # grouped: use crate::{a::..., b}
        for grp in re.findall(r'crate::\{([^;]*?)\};', src, re.S):
            depth = 0; tok = ''
            parts = []
            for ch in grp:
                if ch == '{': depth += 1
                elif ch == '}': depth -= 1
                if ch == ',' and depth == 0:
                    parts.append(tok); tok = ''
                else: tok += ch
            parts.append(tok)
            for part in parts:
                m = re.match(r'\s*([a-z_][a-z0-9_]*)', part)
                if m: refs.add(m.group(1))
        for r in refs:
            if r != top and r not in ('self',):
                edges[top].add(r); counts[(top, r)] += 1
pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, set())})
print(len(pairs), 'pairs import each other:')
for a, b in pairs: print(f'  {a} <-> {b}  ({counts[(a,b)]} files / {counts[(b,a)]} files)')
