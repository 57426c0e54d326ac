#!/usr/bin/env python3
"""Codex (`codex exec --json`) as an OpsConsole agent:
   opsctl agent run --token opa_… --command "python3 samples/agents/codex.py"
Env: CODEX_CMD (default `codex`), CODEX_MODEL (optional), CODEX_PRICE_IN / CODEX_PRICE_OUT (USD per million tokens, to report a cost)."""
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opsconsole_agent as agent  # noqa: E402

CLI = shlex.split(os.environ.get("CODEX_CMD", "codex"))
MODEL = os.environ.get("CODEX_MODEL")
totals = {"input_tokens": 0, "output_tokens": 0}


def parse(line):
    try:
        event = json.loads(line)
    except ValueError:
        return line
    kind = event.get("type")
    if kind == "item.completed":
        item = event.get("item", {})
        return item.get("text") or item.get("command") or None
    if kind == "turn.completed":
        usage = event.get("usage", {})
        totals["input_tokens"] += usage.get("input_tokens", 0)
        totals["output_tokens"] += usage.get("output_tokens", 0)
    if kind in ("turn.failed", "error"):
        return f"error: {event.get('error', event.get('message', ''))}"
    return None


def usage():
    price_in, price_out = os.environ.get("CODEX_PRICE_IN"), os.environ.get("CODEX_PRICE_OUT")
    cost = None
    if price_in and price_out:
        cost = round((totals["input_tokens"] * float(price_in) + totals["output_tokens"] * float(price_out)) / 1_000_000, 6)
    return {**totals, "cost_usd": cost, "model": MODEL}


def model_args():
    return ["--model", MODEL] if MODEL else []


code = agent.main(
    lambda prompt: CLI + ["exec", "--json"] + model_args() + [prompt],
    lambda text: CLI + ["exec", "--json", "resume", "--last", text],
    parse, usage, "codex")
sys.exit(code)
