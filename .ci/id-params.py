#!/usr/bin/env python3
"""Count functions in server/src taking two or more bare `i64` parameters.
strict: parameter type is exactly `i64` and the name is `id`, ends in `_id`, or is a
known id-ish name (actor, member, viewer, author, target, network, thread, post...).
loose: any two parameters of type `i64`."""
import re, sys, pathlib
root = pathlib.Path(next((a for a in sys.argv[1:] if not a.startswith('-')), 'server/src'))
sig = re.compile(r'\bfn\s+(\w+)\s*(?:<[^(]*?>)?\s*\((.*?)\)\s*(?:->|where|\{|;)', re.S)
idish = re.compile(r'^(id|\w+_id|actor|member|viewer|author|target|network|thread|post|other|a|b|me|them|recipient|owner|inviter|invitee)$')
strict = loose = 0
hits = []
for f in sorted(root.rglob('*.rs')):
    text = f.read_text()
    for m in sig.finditer(text):
        params = [p.strip() for p in re.split(r',(?![^<]*>)', m.group(2)) if ':' in p]
        i64s = [p.split(':')[0].strip().removeprefix('mut ') for p in params if p.split(':',1)[1].strip() == 'i64']
        if len(i64s) >= 2:
            loose += 1
        ids = [n for n in i64s if idish.match(n)]
        if len(ids) >= 2:
            strict += 1
            hits.append(f"{f}:{m.group(1)}({', '.join(ids)})")
if '-v' in sys.argv: print('\n'.join(hits))
print(f"functions with >=2 bare i64 id params: {strict}; with >=2 i64 params of any name: {loose}")
