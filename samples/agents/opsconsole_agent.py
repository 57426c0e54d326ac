"""Shared by the recipes in this folder: run a CLI coding agent for one OpsConsole task under `opsctl agent run`.

opsctl writes the task (with `previous_attempts`) to stdin, reports each line printed here as progress, reports a line
`{"message": ..., "usage": {...}}` as usage, appends steering messages to $OPSCONSOLE_MESSAGES_FILE, and completes the task
on exit code 0 (fails it otherwise). Each recipe says how to call its CLI and how to read the usage it prints.
"""
import json
import os
import re
import subprocess
import sys

TAIL = 1500


def read_task():
    return json.load(sys.stdin)


def prompt_for(task, messages):
    parts = [f"Task: {task.get('title', '')}", "", task.get("description") or ""]
    data = task.get("input_data") or {}
    if data:
        parts += ["", "Input data:", json.dumps(data, indent=2)]
    previous = task.get("previous_attempts") or []
    if previous:
        parts += ["", "Earlier attempts at this task did not succeed. Do not repeat their mistakes:"]
        for attempt in previous:
            parts.append(f"- attempt {attempt.get('attempt')} by {attempt.get('agent_name')}: {attempt.get('outcome')}")
            if attempt.get("error_message"):
                parts.append(f"  error: {attempt['error_message'][-TAIL:]}")
            if attempt.get("output_tail"):
                parts.append(f"  last output: {attempt['output_tail'][-TAIL:]}")
    if messages:
        parts += ["", "Instructions from the operator:"] + [f"- {m['text']}" for m in messages]
    return "\n".join(parts)


class Messages:
    """The steering messages opsctl appends to $OPSCONSOLE_MESSAGES_FILE, read once each."""

    def __init__(self):
        self.path = os.environ.get("OPSCONSOLE_MESSAGES_FILE")
        self.seen = set()

    def new(self):
        if not self.path or not os.path.exists(self.path):
            return []
        found = []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                message = json.loads(line)
                if message["id"] not in self.seen:
                    self.seen.add(message["id"])
                    found.append(message)
        return found


def say(text):
    print(text, flush=True)


def report_usage(usage, message):
    usage = {k: v for k, v in usage.items() if v is not None}
    if usage:
        say(json.dumps({"message": message, "usage": usage}))


def run(command, parse_line):
    """Runs the CLI, printing what it prints (progress) and handing each line to parse_line; returns the exit code."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    for line in process.stdout:
        line = line.rstrip("\n")
        shown = parse_line(line)
        if shown:
            say(shown)
    return process.wait()


def main(build_first, build_follow_up, parse_line, usage_of, name):
    """Round one with the task as the prompt; one more round per steering message that arrived meanwhile."""
    task = read_task()
    messages = Messages()
    code = run(build_first(prompt_for(task, messages.new())), parse_line)
    rounds = 1
    while code == 0 and rounds < 5:
        pending = messages.new()
        if not pending:
            break
        for message in pending:
            say(f"steering from {message['author']}: {message['text']}")
        code = run(build_follow_up("\n".join(m["text"] for m in pending)), parse_line)
        rounds += 1
    report_usage(usage_of(), f"{name} usage")
    if code != 0:
        print(f"{name} exited with code {code}", file=sys.stderr)
    return code


def number(pattern, text, kind=float):
    match = re.search(pattern, text)
    if not match:
        return None
    value = match.group(1).replace(",", "")
    scale = 1
    if value.endswith("k"):
        value, scale = value[:-1], 1000
    return kind(float(value) * scale)
