"""Photo pipeline benchmark: a 12-MP phone photo sent unshrunk, through PropDesk's pipeline vs a
naive full-resolution open and save, in the same run. Prints the time ratio (target ≤ 1/3) and
the peak memory each adds to a fresh process (target ≤ +60 MB per photo).

    .venv/bin/python bench/photos.py
"""

from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from PIL import Image, ImageFilter

from webapp.photos.services import _prepared

REPEAT = 3
SIZE = (4032, 3024)  # a 12-MP phone camera


def phone_photo() -> bytes:
    """Camera-like content (noise over gradients: no flat areas that decode for free)."""
    noise = Image.effect_noise(SIZE, 64).convert("RGB")
    gradient = Image.linear_gradient("L").resize(SIZE).convert("RGB")
    picture = Image.blend(noise, gradient, 0.5).filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=92)
    return out.getvalue()


def _naive(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    image.load()
    image.save(io.BytesIO(), format="JPEG")


def _pipeline(data: bytes) -> None:
    _prepared(data)


def _memory(field: str) -> int:
    """A line of /proc/self/status in kB (VmRSS now, VmHWM the peak since clear_refs)."""
    with open("/proc/self/status") as fh:
        line = next(line for line in fh if line.startswith(field + ":"))
    return int(line.split()[1])


def _one(kind: str, path: str) -> dict:
    """Run one case in a fresh process: its time and how much its peak memory grew."""
    code = f"""
import json, sys, time
sys.path.insert(0, ".")
from bench.photos import _naive, _pipeline, _memory
data = open({path!r}, "rb").read()
open("/proc/self/clear_refs", "w").write("5")  # the peak starts again from here
before = _memory("VmRSS")
start = time.perf_counter()
{"_naive" if kind == "naive" else "_pipeline"}(data)
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "mb": (_memory("VmHWM") - before) / 1024}}))
"""
    out = subprocess.run(  # noqa: S603 - our own interpreter running our own code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    folder = tempfile.mkdtemp(prefix="propdesk-bench-")
    path = os.path.join(folder, "photo.jpg")
    with open(path, "wb") as fh:
        fh.write(phone_photo())
    results = {"naive": [], "pipeline": []}
    for _ in range(REPEAT):
        for kind in results:
            results[kind].append(_one(kind, path))
    naive = statistics.median(r["seconds"] for r in results["naive"])
    ours = statistics.median(r["seconds"] for r in results["pipeline"])
    memory = max(r["mb"] for r in results["pipeline"])
    ratio = ours / naive
    print(f"12-MP photo, median of {REPEAT} runs, each in a fresh process")
    print(f"  naive open + full-size save : {naive * 1000:7.1f} ms")
    print(f"  PropDesk pipeline           : {ours * 1000:7.1f} ms  ({ratio:.2f} of naive)")
    print(f"  pipeline peak memory added  : {memory:7.1f} MB")
    print(f"  time ≤ 1/3 of naive: {'met' if ratio <= 1 / 3 else 'NOT met'}")
    print(f"  memory ≤ +60 MB:     {'met' if memory <= 60 else 'NOT met'}")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
