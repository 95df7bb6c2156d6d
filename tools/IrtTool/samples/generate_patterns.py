"""Writes random 3PL response patterns as JSON lines, for measuring `irt score` throughput.

usage: python3 generate_patterns.py BANK.json COUNT LENGTH SEED > patterns.jsonl
Each pattern gives LENGTH distinct random items, answered by an examinee with θ ~ N(0, 1) under the bank's model (D = 1).
BANK.json may hold the columns at the top level or under "bank" (as the reference files do).
"""
import json
import math
import random
import sys

bank_path, count, length, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(bank_path) as f:
    bank = json.load(f)
bank = bank.get("bank", bank) if "a" not in bank else bank
a, b = bank["a"], bank["b"]
c = bank.get("c") or [0.0] * len(a)
d = bank.get("d") or [1.0] * len(a)
rng = random.Random(seed)
out = sys.stdout
for n in range(count):
    theta = rng.gauss(0, 1)
    items = rng.sample(range(len(a)), length)
    responses = [1 if rng.random() < c[i] + (d[i] - c[i]) / (1 + math.exp(-a[i] * (theta - b[i]))) else 0 for i in items]
    out.write(json.dumps({"id": f"p{n}", "items": items, "responses": responses}, separators=(",", ":")) + "\n")
