#!/usr/bin/env python3
"""aider as an OpsConsole agent:
   opsctl agent run --token opa_… --command "python3 samples/agents/aider.py"
Env: AIDER_CMD (default `aider`), AIDER_MODEL (optional). aider prints
`Tokens: 1.2k sent, 310 received. Cost: $0.01 message, $0.03 session.` after each message."""
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opsconsole_agent as agent  # noqa: E402

CLI = shlex.split(os.environ.get("AIDER_CMD", "aider"))
MODEL = os.environ.get("AIDER_MODEL")
totals = {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "model": MODEL}


def parse(line):
    if line.startswith("Tokens:"):
        totals["input_tokens"] += agent.number(r"([\d.,]+k?) sent", line, int) or 0
        totals["output_tokens"] += agent.number(r"([\d.,]+k?) received", line, int) or 0
        totals["cost_usd"] += agent.number(r"Cost: \$([\d.]+) message", line) or 0
    return line


def command(text):
    return CLI + ["--message", text, "--yes-always", "--no-stream", "--no-pretty"] + (["--model", MODEL] if MODEL else [])


code = agent.main(command, command, parse, lambda: {**totals, "cost_usd": round(totals["cost_usd"], 6)}, "aider")
sys.exit(code)
