#!/usr/bin/env python3
"""tests/econ/hostile_agent.py MODE [ARG...] - external agents for tests/test_econ_external.c,
well-behaved and hostile (economy.md s7). Python 3 stdlib only.

Modes:
  good LOG        logs every line it receives to LOG; answers each observation with two
                  orders and two cancels, tagged with the observation's step; exits on end
  lines FILE      answers the k-th observation with the k-th line of FILE (as is), then {}
  late SLEEP      step 1: a reply (qty 10000); step 2: sleeps SLEEP seconds, then a reply
                  with qty 990000 (the stale one); later steps: a reply with qty 20000
  exit CODE       answers step 1, exits with CODE on the second observation
  kill            answers step 1, SIGKILLs itself on the second observation
  noread          reads the hello, then never reads again (sleeps)
  closein         closes its stdin at once, keeps stdout open, sleeps
  stubborn        answers every observation with {}, ignores SIGTERM and end, never exits
  huge            step 1: a 10 MB line; later steps: a reply with qty 30000
  extra           answers each observation with a reply (qty 40000) and an extra line (qty 50000)
  limit           step 1: a line of exactly 1 MiB (1048576 bytes before its newline); step 2: one
                  byte more; later steps: a reply with qty 60000
"""
import json
import os
import signal
import sys
import time


def order(qty, pair="BRAVO/ALPHA", side="buy", price=9000):
    return {"pair": pair, "side": side, "type": "limit", "price": price, "qty": qty}


def say(obj_or_text):
    text = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def messages():
    for raw in sys.stdin:
        yield raw, json.loads(raw)


def main():
    mode = sys.argv[1]
    arg = sys.argv[2] if len(sys.argv) > 2 else None
    if mode == "closein":
        os.close(0)
        time.sleep(20)
        return 0
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if mode == "noread":
        sys.stdin.readline()
        time.sleep(30)
        return 0
    log = open(arg, "a") if mode == "good" else None
    script = open(arg).read().split("\n") if mode == "lines" else None
    n = 0
    for raw, msg in messages():
        if log:
            log.write(raw)
            log.flush()
        if msg.get("type") == "end":
            if mode == "stubborn":
                while True:
                    time.sleep(1)
            return 0
        if msg.get("type") != "observation":
            continue
        n += 1
        if mode == "good":
            say({"orders": [order(30000, "CHARLIE/BRAVO", "sell", 12345),
                            {"pair": "BRAVO/ALPHA", "side": "buy", "type": "market", "qty": 10000}],
                 "cancel": [7, 9007199254740992], "step": msg["step"]})
        elif mode == "lines":
            say(script[n - 1] if n - 1 < len(script) and script[n - 1] else "{}")
        elif mode == "late":
            if n == 1:
                say({"orders": [order(10000)]})
            elif n == 2:
                time.sleep(float(arg))
                say({"orders": [order(990000)]})
            else:
                say({"orders": [order(20000)]})
        elif mode in ("exit", "kill"):
            if n == 1:
                say({"orders": [order(10000)]})
            elif mode == "exit":
                sys.stdout.flush()
                os._exit(int(arg))
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        elif mode == "stubborn":
            say("{}")
        elif mode == "huge":
            if n == 1:
                sys.stdout.write('{"orders":[],"pad":"' + "x" * (10 * 1024 * 1024) + '"}\n')
                sys.stdout.flush()
            else:
                say({"orders": [order(30000)]})
        elif mode == "limit":
            if n <= 2:
                body = 1024 * 1024 + (n - 1) - len('{"pad":""}')
                sys.stdout.write('{"pad":"' + "y" * body + '"}\n')
                sys.stdout.flush()
            else:
                say({"orders": [order(60000)]})
        elif mode == "extra":
            say({"orders": [order(40000)]})
            say({"orders": [order(50000)]})
    if mode == "stubborn":
        while True:
            time.sleep(1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(0)
