#!/usr/bin/env python3
"""examples/agents/random_agent.py - the smallest useful external agent (economy.md s7,
examples/agents/README.md). Python 3 standard library only.

It reads the hello, then answers every observation with one line: it cancels all its
resting orders and places one small random limit order on a random pair, priced inside
the spread (or near the last trade when a side of the book is empty) and within its
free balance. It stops on {"type":"end"} (or when its input ends). Its randomness comes
from the hello's seed only, so the same observations give the same answers.

Run it inside an economy with the agent's params:
    {"strategy": "external", "params": {"command": ["python3", "examples/agents/random_agent.py"]}}
"""
import json
import random
import sys

PAIRS = {"BRAVO/ALPHA": ("BRAVO", "ALPHA"), "CHARLIE/ALPHA": ("CHARLIE", "ALPHA"),
         "CHARLIE/BRAVO": ("CHARLIE", "BRAVO")}
MAX_STEPS = 5          # the largest order, in quantity steps


def price_for(rng, side, book, trades):
    """A price in ticks for a limit order on one side: strictly inside the spread when
    there is room, else at the best price of its own side, else near the last trade."""
    bid = book["bids"][0][0] if book["bids"] else None
    ask = book["asks"][0][0] if book["asks"] else None
    if bid is not None and ask is not None:
        if ask - bid >= 2:
            return rng.randint(bid + 1, ask - 1)
        return bid if side == "buy" else ask
    ref = bid if bid is not None else ask
    if ref is None:
        ref = int(trades[-1][1]) if trades else 10000   # 10000 ticks = 1 quote coin
    spread = max(1, ref // 100)                         # within 1% of the reference
    p = ref - rng.randint(1, spread) if side == "buy" else ref + rng.randint(1, spread)
    return max(1, p)


def act(rng, hello, obs):
    reply = {"orders": [], "cancel": [o["id"] for o in obs["orders"]], "step": obs["step"]}
    step = hello["qty_step"]
    pair = rng.choice(hello["pairs"])
    base, quote = PAIRS[pair]
    side = rng.choice(["buy", "sell"])
    price = price_for(rng, side, obs["books"][pair], obs["trades"][pair])
    steps = rng.randint(1, MAX_STEPS)
    free = {c: b["free"] for c, b in obs["balances"].items()}
    if side == "buy":
        # a buy of qty base units at price ticks locks price * qty / 10^4 quote units
        afford = free[quote] * 10000 // (price * step)
    else:
        afford = free[base] // step
    steps = min(steps, afford)
    if steps > 0:
        reply["orders"].append({"pair": pair, "side": side, "type": "limit", "price": price,
                                "qty": steps * step})
    return reply


def main():
    hello = None
    rng = None
    for line in sys.stdin:
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            hello = msg
            rng = random.Random(msg["seed"])
        elif kind == "observation":
            reply = act(rng, hello, msg) if hello else {}
            sys.stdout.write(json.dumps(reply, separators=(",", ":")) + "\n")
            sys.stdout.flush()
        elif kind == "end":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
