"""A stand-in for a CLI coding agent (no model is reachable in tests): logs the prompt it was given, prints progress and
usage the way the real CLI does, and fails when FAKE_FAIL is set."""
import json
import os
import sys

tool, args = sys.argv[1], sys.argv[2:]
flag = {"claude": "-p", "openhands": "-t", "aider": "--message"}.get(tool)
prompt = args[args.index(flag) + 1] if flag else args[-1]
with open(os.environ["FAKE_PROMPT_LOG"], "a", encoding="utf-8") as log:
    log.write(f"--- {tool} {' '.join(a for a in args if a != prompt)}\n{prompt}\n")
fail = bool(os.environ.get("FAKE_FAIL"))

if tool == "claude":
    print(json.dumps({"type": "system", "subtype": "init"}))
    print(json.dumps({"type": "assistant", "message": {"model": "claude-sonnet-4", "content": [{"type": "text", "text": "Reading the failing test"}]}}))
    print(json.dumps({"type": "result", "subtype": "error" if fail else "success", "is_error": fail, "result": "gave up" if fail else "fixed",
                      "total_cost_usd": 0.0123, "usage": {"input_tokens": 1500, "output_tokens": 400}}))
elif tool == "codex":
    print(json.dumps({"type": "thread.started", "thread_id": "t1"}))
    print(json.dumps({"type": "item.completed", "item": {"type": "agent_message", "text": "Patched the parser"}}))
    print(json.dumps({"type": "turn.completed", "usage": {"input_tokens": 2000, "cached_input_tokens": 0, "output_tokens": 500}}))
    if fail:
        print(json.dumps({"type": "turn.failed", "error": {"message": "tests still fail"}}))
elif tool == "openhands":
    print("Agent is working on it")
    print(json.dumps({"accumulated_cost": 0.2, "accumulated_token_usage": {"prompt_tokens": 3000, "completion_tokens": 700}}))
elif tool == "aider":
    print("Applied edit to app.py")
    print("Tokens: 1.2k sent, 310 received. Cost: $0.01 message, $0.03 session.")
sys.exit(1 if fail else 0)
