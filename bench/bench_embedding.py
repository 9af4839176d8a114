#!/usr/bin/env python
"""The embedding plug-in's cost (vision/embedding.py) against the bare onnxruntime session.

    python bench/bench_embedding.py [--channels 384] [--layers 6] [--rounds 3] [--smoke]

No real encoder is downloaded: the model is built here with the ``onnx`` package, a stack of
random-weight convolutions about the size of a small vision transformer (a 16 x 16 patch
convolution to 14 x 14 cells, then `--layers` 3 x 3 convolutions of `--channels` channels,
global average pooling; the default is about 1.6 GMAC and 32 MB, a DINOv2 ViT-S/14 is about
2.3 GMAC and 88 MB). Pictures: scikit-image's coffee, chelsea, rocket, brick and gravel at a
camera's 1024 x 768 and a phone's 4000 x 3000. One thread (the plug-in's setting), CPU
milliseconds, best of `--rounds`:

- ``embed_ms_<size>``: ``EmbeddingModel.embed`` of one picture, against ``session_ms``, the
  bare session running an already prepared 224 x 224 tensor (ratio: what the conversion,
  resizing, normalisation and L2 normalisation add);
- ``embed_many_ms``: a picture's share of ``embed_many`` over 16 pictures, against ``embed``;
- ``describe_regions_ms``: ``describe_regions`` (whole picture + 4 regions), against
  ``embed``;
- ``load_ms``: ``EmbeddingModel.load`` (checks, SHA-256 of the file, the probe run), against
  opening the bare session.

Prints ``figure<TAB>value<TAB>baseline<TAB>ratio`` lines and `#` notes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from traceobject.vision.embedding import EmbeddingModel  # noqa: E402

PICTURES = ("coffee", "chelsea", "rocket", "brick", "gravel")
SIZES = {"1024x768": (1024, 768), "4000x3000": (4000, 3000)}


def build_model(path: Path, channels: int, layers: int) -> Path:
    rng = np.random.default_rng(0)

    def weights(name: str, shape: tuple[int, ...]) -> onnx.TensorProto:
        w = rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))
        return numpy_helper.from_array(w.astype(np.float32), name)

    nodes = [helper.make_node("Conv", ["x", "patch"], ["h0"], strides=[16, 16])]
    inits = [weights("patch", (channels, 3, 16, 16))]
    for layer in range(layers):
        nodes += [helper.make_node("Conv", [f"h{layer}", f"w{layer}"], [f"c{layer}"],
                                   pads=[1, 1, 1, 1]),
                  helper.make_node("Relu", [f"c{layer}"], [f"h{layer + 1}"])]
        inits.append(weights(f"w{layer}", (channels, channels, 3, 3)))
    nodes += [helper.make_node("GlobalAveragePool", [f"h{layers}"], ["g"]),
              helper.make_node("Flatten", ["g"], ["y"])]
    graph = helper.make_graph(
        nodes, "bench", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", channels])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def bare_session(path: Path) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), sess_options=options,
                                providers=["CPUExecutionProvider"])


def pictures(size: tuple[int, int]) -> list[Image.Image]:
    out = []
    for name in PICTURES:
        picture = Image.fromarray(np.ascontiguousarray(getattr(data, name)()))
        out.append(picture.convert("RGB").resize(size, Image.Resampling.BILINEAR))
    return out


def cpu_ms(function: Callable[[], Any], repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        function()
    return (time.process_time() - start) / repeat * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=384)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="a tiny model, one round")
    args = parser.parse_args()
    if args.smoke:
        args.channels, args.layers, args.rounds = 32, 1, 1
    with tempfile.TemporaryDirectory() as folder:
        path = build_model(Path(folder) / "bench.onnx", args.channels, args.layers)
        megabytes = path.stat().st_size / 1e6
        print(f"# model: {args.layers} x conv3x3 {args.channels} channels on 14 x 14 cells, "
              f"{megabytes:.1f} MB")
        load_ms = min(cpu_ms(lambda: EmbeddingModel.load(path), 1) for _ in range(args.rounds))
        open_ms = min(cpu_ms(lambda: bare_session(path), 1) for _ in range(args.rounds))
        model, session = EmbeddingModel.load(path), bare_session(path)
        tensor = np.random.default_rng(1).standard_normal((1, 3, 224, 224)).astype(np.float32)
        session_ms = min(cpu_ms(lambda: session.run(["y"], {"x": tensor}), 5)
                         for _ in range(args.rounds))
        print("figure\tvalue\tbaseline\tratio")
        print(f"session_ms\t{session_ms:.1f}\t-\t-")
        embed_ms: dict[str, float] = {}
        for name, size in SIZES.items():
            batch = pictures(size)
            embed_ms[name] = min(cpu_ms(lambda b=batch: [model.embed(p) for p in b], 1)
                                 / len(batch) for _ in range(args.rounds))
            print(f"embed_ms_{name}\t{embed_ms[name]:.1f}\tsession_ms={session_ms:.1f}\t"
                  f"{session_ms / embed_ms[name]:.2f}")
        camera = pictures(SIZES["1024x768"])
        sixteen = (camera * 4)[:16]
        many_ms = min(cpu_ms(lambda: model.embed_many(sixteen), 1) / 16
                      for _ in range(args.rounds))
        base = embed_ms["1024x768"]
        print(f"embed_many_ms\t{many_ms:.1f}\tembed_ms_1024x768={base:.1f}\t{base / many_ms:.2f}")
        regions_ms = min(cpu_ms(lambda: [model.describe_regions(p) for p in camera], 1)
                         / len(camera) for _ in range(args.rounds))
        print(f"describe_regions_ms\t{regions_ms:.1f}\tembed_ms_1024x768={base:.1f}\t"
              f"{base / regions_ms:.2f}")
        print(f"load_ms\t{load_ms:.0f}\tsession_open_ms={open_ms:.0f}\t{open_ms / load_ms:.2f}")
        vectors = model.embed_many(camera)
        print(f"# embeddings: {vectors.shape[1]} dimensions, norms "
              f"{np.linalg.norm(vectors, axis=1).min():.4f}..."
              f"{np.linalg.norm(vectors, axis=1).max():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
