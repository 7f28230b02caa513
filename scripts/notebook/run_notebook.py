#!/usr/bin/python3
"""Execute a Deno Jupyter notebook headlessly and check its outputs.

Why not `jupyter nbconvert --execute`: with the Deno kernel it sometimes drops a cell's
output (Deno may send a result after reporting the cell idle) and still exits 0. This runner
talks to the kernel with jupyter_client, keeps reading output messages for a short grace
period after each cell goes idle, and then checks every code cell:

- no cell may raise;
- a line `// expect: TEXT` in a cell means TEXT must appear in that cell's outputs;
- a line `// expect-html: TEXT` means an HTML output of the cell must contain TEXT.

Usage: run_notebook.py NOTEBOOK.ipynb [--out EXECUTED.ipynb] [--timeout SECONDS]
"""
import argparse
import json
import queue
import sys
import time

from jupyter_client.manager import start_new_kernel

GRACE = 0.25  # seconds to keep listening after the kernel reports idle


def run_cell(kc, code, timeout):
    msg_id = kc.execute(code, store_history=True)
    outputs = []
    idle_at = None
    deadline = time.time() + timeout
    while True:
        remaining = (idle_at + GRACE - time.time()) if idle_at else (deadline - time.time())
        if remaining <= 0:
            if idle_at is None:
                raise TimeoutError(f"cell did not finish within {timeout} s")
            break
        try:
            msg = kc.get_iopub_msg(timeout=remaining)
        except queue.Empty:
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        t, c = msg["msg_type"], msg["content"]
        if t == "status" and c.get("execution_state") == "idle":
            idle_at = time.time()
        elif t == "stream":
            outputs.append({"output_type": "stream", "name": c["name"], "text": c["text"]})
        elif t in ("execute_result", "display_data"):
            o = {"output_type": t, "data": c.get("data", {}), "metadata": c.get("metadata", {})}
            if t == "execute_result":
                o["execution_count"] = c.get("execution_count")
            outputs.append(o)
        elif t == "error":
            outputs.append({"output_type": "error", "ename": c["ename"], "evalue": c["evalue"],
                            "traceback": c.get("traceback", [])})
    reply = kc.get_shell_msg(timeout=timeout)
    return outputs, reply["content"].get("status")


def text_of(outputs):
    parts = []
    for o in outputs:
        if o["output_type"] == "stream":
            parts.append(o["text"])
        elif o["output_type"] in ("execute_result", "display_data"):
            parts.extend(str(v) for v in o["data"].values())
        elif o["output_type"] == "error":
            parts.append(f"{o['ename']}: {o['evalue']}")
    return "".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("--out")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    nb = json.load(open(args.notebook))
    km, kc = start_new_kernel(kernel_name="deno", cwd=__import__("os").path.dirname(
        __import__("os").path.abspath(args.notebook)))
    failures = []
    try:
        n = 0
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            n += 1
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            outputs, status = run_cell(kc, src, args.timeout)
            cell["outputs"] = outputs
            cell["execution_count"] = n
            text = text_of(outputs)
            if status != "ok" or any(o["output_type"] == "error" for o in outputs):
                failures.append(f"cell {i}: raised: {text[-500:]}")
            for line in src.splitlines():
                line = line.strip()
                if line.startswith("// expect:"):
                    want = line[len("// expect:"):].strip()
                    if want not in text:
                        failures.append(f"cell {i}: expected {want!r} in output, got {text[-400:]!r}")
                elif line.startswith("// expect-html:"):
                    want = line[len("// expect-html:"):].strip()
                    html = "".join(o["data"].get("text/html", "") for o in outputs
                                   if o["output_type"] in ("execute_result", "display_data"))
                    if want not in html:
                        failures.append(f"cell {i}: expected HTML containing {want!r}, got {html[:300]!r}")
            print(f"cell {i}: {status}, {len(outputs)} output(s)")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    if args.out:
        json.dump(nb, open(args.out, "w"), indent=1)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"notebook OK: {n} code cells")


if __name__ == "__main__":
    main()
