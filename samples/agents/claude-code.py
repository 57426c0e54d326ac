#!/usr/bin/env python3
"""Claude Code (`claude -p`, stream-json) as an OpsConsole agent:
   opsctl agent run --token opa_… --command "python3 samples/agents/claude-code.py"
Env: CLAUDE_CMD (default `claude`), CLAUDE_MODEL (optional), CLAUDE_ARGS (extra arguments, e.g. --permission-mode acceptEdits)."""
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opsconsole_agent as agent  # noqa: E402

CLI = shlex.split(os.environ.get("CLAUDE_CMD", "claude"))
EXTRA = shlex.split(os.environ.get("CLAUDE_ARGS", "")) + (["--model", os.environ["CLAUDE_MODEL"]] if os.environ.get("CLAUDE_MODEL") else [])
totals = {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "model": os.environ.get("CLAUDE_MODEL")}
failed = {"error": False}


def parse(line):
    try:
        event = json.loads(line)
    except ValueError:
        return line
    kind = event.get("type")
    if kind == "assistant":
        message = event.get("message", {})
        totals["model"] = message.get("model") or totals["model"]
        texts = [c.get("text", "") for c in message.get("content", []) if c.get("type") == "text"]
        return "\n".join(t for t in texts if t) or None
    if kind == "result":
        usage = event.get("usage", {})
        totals["input_tokens"] += usage.get("input_tokens", 0)
        totals["output_tokens"] += usage.get("output_tokens", 0)
        totals["cost_usd"] += event.get("total_cost_usd", 0) or 0
        failed["error"] = failed["error"] or bool(event.get("is_error"))
        return f"result: {event.get('result', '')}"
    return None


def first(prompt):
    return CLI + ["-p", prompt, "--output-format", "stream-json", "--verbose"] + EXTRA


def follow_up(text):
    return CLI + ["-p", text, "--continue", "--output-format", "stream-json", "--verbose"] + EXTRA


code = agent.main(first, follow_up, parse, lambda: {**totals, "cost_usd": round(totals["cost_usd"], 6)}, "claude")
sys.exit(code if code != 0 else (1 if failed["error"] else 0))
