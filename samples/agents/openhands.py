#!/usr/bin/env python3
"""OpenHands in headless mode as an OpsConsole agent:
   opsctl agent run --token opa_… --command "python3 samples/agents/openhands.py"
Env: OPENHANDS_CMD (default `openhands`), LLM_MODEL (OpenHands' own setting, reported as the model).
OpenHands prints its metrics as a JSON line with accumulated_cost and accumulated_token_usage."""
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opsconsole_agent as agent  # noqa: E402

CLI = shlex.split(os.environ.get("OPENHANDS_CMD", "openhands"))
totals = {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "model": os.environ.get("LLM_MODEL")}


def parse(line):
    if line.startswith("{") and "accumulated_cost" in line:
        metrics = json.loads(line)
        tokens = metrics.get("accumulated_token_usage", {})
        totals["input_tokens"] += tokens.get("prompt_tokens", 0)
        totals["output_tokens"] += tokens.get("completion_tokens", 0)
        totals["cost_usd"] += metrics.get("accumulated_cost", 0)
        return None
    return line


code = agent.main(
    lambda prompt: CLI + ["--headless", "-t", prompt],
    lambda text: CLI + ["--headless", "-t", text],
    parse, lambda: {**totals, "cost_usd": round(totals["cost_usd"], 6)}, "openhands")
sys.exit(code)
