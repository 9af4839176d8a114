"""A global image embedding from an ONNX model the agency supplies (optional, Django-free).

Same-object search works without it (local features, ``vision.features``). An agency that has
an image encoder exported to ONNX (a DINOv2 or CLIP image tower, a retrieval CNN...) can add
it: TRACEOBJECT_EMBEDDING_MODEL=/path/model.onnx. Nothing is ever downloaded; unset, the
plug-in is off. ``configured_model()`` loads the configured file once per process;
``EmbeddingModel.load(path)`` loads any file.

What the model must look like (checked by ``load``, which raises ``EmbeddingModelError`` with
a message naming the file and the problem):

* one input: float32 (or float16) pixels, NCHW ``(N, 3, H, W)``. N, H and W may be fixed or
  dynamic (a fixed batch of up to ``BATCH`` pictures is filled up with blank ones when fewer
  are given). H and W are read from the model; where they are dynamic, from the ``size``
  metadata, else 224.
* one output (or several, one of them named by the ``output`` metadata), one of
  ``(N, D)``: the embedding;
  ``(N, D, 1, 1)``: a pooled feature map (a CNN without its last Flatten);
  ``(N, T, D)``: tokens (a vision transformer's last hidden state): token 0, the class
  token, is the embedding (DINOv2's and CLIP's convention), or the mean of all tokens with
  the metadata ``pooling=mean``.
  The model is run on two test pictures when it is loaded: the shape it gives then is
  the one that counts, and a model that fails or gives NaN there is refused. A model that
  declares a dynamic batch but cannot run two pictures at once is run one picture at a time.
* at most ``MAX_MODEL_BYTES`` in its .onnx file (weights stored as external data beside it
  are read by onnxruntime and are not counted), inputs of at most ``MAX_INPUT_SIDE`` pixels a
  side, at most ``MAX_DIMENSION`` dimensions.

Preprocessing settings come from the model's ``metadata_props`` (all optional):

==========  ===============================================================================
key         value
==========  ===============================================================================
mean, std   three numbers (pixel values in 0..1, RGB), comma- or space-separated;
            default ImageNet's 0.485,0.456,0.406 and 0.229,0.224,0.225
            (CLIP: 0.4815,0.4578,0.4082 and 0.2686,0.2613,0.2758)
size        the input size where the model's is dynamic: "224" or "H,W"
resize      ``stretch`` (default: the whole picture scaled to the input size) or ``crop``
            (scaled to cover it, the middle cut out)
pooling     for token outputs: ``cls`` (default, token 0) or ``mean``
output      the output to use when the model has several
name        a name shown in ``status()`` (default: the file's name)
==========  ===============================================================================

They can be added to an exported model with the ``onnx`` package::

    model = onnx.load("dinov2.onnx")
    onnx.helper.set_model_props(model, {"mean": "0.485,0.456,0.406", "size": "224",
                                        "output": "pooler_output"})
    onnx.save(model, "dinov2.onnx")

The model runs on the CPU execution provider with one intra-op thread (the workers run
several processes; each embedding is one thread's work). The file is trusted the way code
is: the checks make a wrong file fail clearly, but a model can take any time or memory to run.

Pictures are PIL images of any mode or numpy arrays ((H, W) grey, or (H, W, 1|3|4) RGB/RGBA,
any integer or float type), converted to RGB (transparency over white). Embeddings are
float32 and L2-normalised (a model that gives an all-zero vector for a picture gives zeros),
so the dot product of two is their cosine similarity.

``describe_regions`` gives the whole picture and overlapping regions of it (``region_boxes``),
so that a crop of an object can be matched to the region of a scene it is in.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

__all__ = [
    "DEFAULT_SIZE",
    "ENV_SETTING",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "MAX_DIMENSION",
    "MAX_INPUT_SIDE",
    "MAX_LEVELS",
    "MAX_MODEL_BYTES",
    "EmbeddingModel",
    "EmbeddingModelError",
    "Picture",
    "Preprocessing",
    "configured_model",
    "region_boxes",
    "status",
]

#: The environment setting naming the model file (settings.EMBEDDING_MODEL reads the same).
ENV_SETTING = "TRACEOBJECT_EMBEDDING_MODEL"
#: Largest .onnx file accepted (protobuf's own limit for one file is 2 GiB).
MAX_MODEL_BYTES = 2 * 1024**3
#: Largest input side accepted (a fixed 518 x 518 DINOv2 input is fine; 4096 x 4096 is not).
MAX_INPUT_SIDE = 1024
MIN_INPUT_SIDE = 8
#: Largest embedding accepted (DINOv2 ViT-g: 1536; CLIP ViT-bigG: 1280).
MAX_DIMENSION = 16384
#: Input side where the model's is dynamic and its metadata does not say.
DEFAULT_SIZE = 224
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Pictures per run of the model (embed_many, describe_regions).
BATCH = 16
#: describe_regions levels: level l adds an (l+1) x (l+1) grid of overlapping regions.
MAX_LEVELS = 3
_MAX_MESSAGE = 300
_CHUNK = 1024 * 1024
_RESIZES = ("stretch", "crop")
_POOLINGS = ("cls", "mean")
_FLOAT_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16}

Picture = Image.Image | npt.NDArray[Any]


class EmbeddingModelError(Exception):
    """The embedding model cannot be used (missing, not ONNX, wrong shape, fails to run)."""


@dataclass(frozen=True)
class Preprocessing:
    """How a picture becomes the model's input."""

    height: int
    width: int
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    resize: str = "stretch"


@dataclass
class EmbeddingModel:
    """A loaded, checked model. Thread-safe (onnxruntime sessions are)."""

    path: Path
    name: str
    sha256: str  # of the .onnx file: stored embeddings are only comparable within one model
    preprocessing: Preprocessing
    dimension: int
    input_name: str
    output_name: str
    output_kind: str  # "vector", "pooled map" or "tokens"
    pooling: str  # for tokens: "cls" or "mean"
    batch: int | None  # a fixed number of pictures per run, or None (any number)
    _session: Any = field(repr=False)
    _dtype: Any = field(repr=False)  # the input's: float32 or float16

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, max_bytes: int = MAX_MODEL_BYTES
             ) -> EmbeddingModel:
        """Load and check the ONNX model at `path` (see the module's documentation).
        EmbeddingModelError says what is wrong with it."""
        where = Path(path)
        size = _file_size(where)
        if size == 0:
            raise _error(where, "the file is empty")
        if size > max_bytes:
            raise _error(where, f"the file is too large ({size} bytes; at most {max_bytes})")
        session = _open_session(where)
        return cls._checked(where, session)

    @classmethod
    def _checked(cls, where: Path, session: Any) -> EmbeddingModel:
        meta = dict(session.get_modelmeta().custom_metadata_map or {})
        inputs = session.get_inputs()
        if len(inputs) != 1:
            names = ", ".join(i.name for i in inputs)
            raise _error(where, f"the model has {len(inputs)} inputs ({names}); an image "
                                "encoder has one, the picture")
        image = inputs[0]
        if image.type not in _FLOAT_TYPES:
            hint = " (a text model?)" if "int" in image.type else ""
            raise _error(where, f"the input {image.name!r} is {image.type}, not float pixels"
                                f"{hint}")
        shape = list(image.shape or [])
        if len(shape) != 4:
            raise _error(where, f"the input {image.name!r} has shape {_shape(shape)}; an image "
                                "input is (N, 3, H, W)")
        batch_dim, channels, height_dim, width_dim = shape
        if isinstance(channels, int) and channels != 3:
            layout = (" (channels last? the model must take channels first)"
                      if shape[-1] == 3 else "")
            raise _error(where, f"the input {image.name!r} has shape {_shape(shape)}: "
                                f"{_count(channels, 'channel')}, not 3{layout}")
        batch = batch_dim if isinstance(batch_dim, int) and batch_dim > 0 else None
        if batch is not None and batch > BATCH:
            raise _error(where, f"the input {image.name!r} has a fixed batch of {batch}; at "
                                f"most {BATCH}, or a dynamic one")
        height, width = _input_size(where, image.name, height_dim, width_dim, meta)
        prep = Preprocessing(height=height, width=width,
                             mean=_triple(where, meta, "mean", IMAGENET_MEAN),
                             std=_triple(where, meta, "std", IMAGENET_STD),
                             resize=_choice(where, meta, "resize", _RESIZES))
        if min(prep.std) <= 0:
            raise _error(where, "the metadata's std must be positive")
        output = _pick_output(where, session.get_outputs(), meta)
        if output.type not in _FLOAT_TYPES:
            raise _error(where, f"the output {output.name!r} is {output.type}, not float")
        out_shape = list(output.shape or [])
        if out_shape and len(out_shape) not in (2, 3, 4):
            raise _error(where, f"the output {output.name!r} has shape {_shape(out_shape)}; "
                                "expected (N, D), (N, D, 1, 1) or tokens (N, T, D)")
        name = (meta.get("name") or "").strip()[:100] or where.name
        model = cls(path=where, name=name, sha256=_sha256(where), preprocessing=prep,
                    dimension=0, input_name=image.name, output_name=output.name,
                    output_kind="vector", pooling=_choice(where, meta, "pooling", _POOLINGS),
                    batch=batch, _session=session, _dtype=_FLOAT_TYPES[image.type])
        model._probe()
        return model

    def _probe(self) -> None:
        """Run the model on test pictures: the real output shape, and whether a model with a
        dynamic batch can take several pictures at once (else it gets one at a time)."""
        prep = self.preprocessing
        y, x = np.mgrid[0:prep.height, 0:prep.width]
        gradient = np.stack([x * 255 // max(prep.width - 1, 1), y * 255 // max(prep.height - 1, 1),
                             (x * 7 + y * 3) % 256], axis=-1).astype(np.uint8)
        tests = [self._tensor(_to_rgb(gradient)), self._tensor(_to_rgb(gradient[::-1]))]
        sizes = [self.batch] if self.batch is not None else [2, 1]
        problem = ""
        for size in sizes:
            batch = np.stack([tests[i % 2] for i in range(size)])
            try:
                raw = self._raw(batch)
            except _RunError as error:
                problem = str(error)
                continue
            if raw.shape[0] != size:
                problem = f"it gave {raw.shape[0]} rows for {size} pictures"
                continue
            if self.batch is None and size == 1:
                self.batch = 1
            self._set_kind(raw)
            return
        raise _error(self.path, f"the model does not run on a {prep.height}x{prep.width} "
                                f"test picture: {problem} (if it needs another input size, "
                                "name it in the model's metadata: size)")

    def _set_kind(self, raw: npt.NDArray[Any]) -> None:
        shape = raw.shape
        if raw.ndim == 2:
            kind, dimension = "vector", shape[1]
        elif raw.ndim == 4 and shape[2] == shape[3] == 1:
            kind, dimension = "pooled map", shape[1]
        elif raw.ndim == 3 and shape[1] >= 1:
            kind, dimension = "tokens", shape[2]
        else:
            raise _error(self.path, f"the output {self.output_name!r} has shape "
                                    f"{_shape(list(shape))} on a test picture; expected (N, D), "
                                    "(N, D, 1, 1) or tokens (N, T, D)")
        if not 2 <= dimension <= MAX_DIMENSION:
            raise _error(self.path, f"the embedding has {_count(dimension, 'dimension')}; "
                                    f"between 2 and {MAX_DIMENSION}")
        if not np.isfinite(raw).all():
            raise _error(self.path, "the model gives values that are not finite (NaN or "
                                    "infinity) on a test picture")
        self.output_kind, self.dimension = kind, int(dimension)

    # ------------------------------------------------------------------ embedding

    def embed(self, picture: Picture) -> npt.NDArray[np.float32]:
        """The (D,) float32 L2-normalised embedding of `picture`."""
        return self.embed_many([picture])[0]

    def embed_many(self, pictures: Iterable[Picture]) -> npt.NDArray[np.float32]:
        """The (n, D) embeddings of `pictures`, run in batches."""
        step = self.batch or BATCH
        rows: list[npt.NDArray[np.float32]] = []
        pending: list[npt.NDArray[np.float32]] = []
        for picture in pictures:
            pending.append(self._tensor(_to_rgb(picture)))
            if len(pending) == step:
                rows.append(self._run(pending))
                pending = []
        if pending:
            rows.append(self._run(pending))
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(rows)

    def describe_regions(self, picture: Picture, *, levels: int = 1
                         ) -> npt.NDArray[np.float32]:
        """(r, D): the whole picture (row 0) and the regions of ``region_boxes`` (same
        order), each embedded on its own: a crop of an object matches the region that holds
        it better than the whole scene. levels=1 gives 5 rows, 2 gives 14, 3 gives 30."""
        rgb = _to_rgb(picture)
        boxes = region_boxes(rgb.width, rgb.height, levels=levels)
        return self.embed_many(rgb.crop((x, y, x + w, y + h)) for x, y, w, h in boxes)

    def summary(self) -> str:
        """One line: what the model is and how it is used."""
        prep = self.preprocessing
        output = {"vector": "", "pooled map": " (pooled map)",
                  "tokens": " (token 0)" if self.pooling == "cls" else " (mean of tokens)"}
        return (f"{self.name}: {self.dimension} dimensions from {self.output_name!r}"
                f"{output[self.output_kind]}, input {prep.height}x{prep.width} "
                f"({prep.resize}), sha256 {self.sha256[:12]}")

    # ------------------------------------------------------------------ internals

    def _tensor(self, rgb: Image.Image) -> npt.NDArray[np.float32]:
        prep = self.preprocessing
        if prep.resize == "crop":
            scale = max(prep.width / rgb.width, prep.height / rgb.height)
            w, h = max(prep.width, round(rgb.width * scale)), max(prep.height,
                                                                 round(rgb.height * scale))
            rgb = rgb.resize((w, h), Image.Resampling.BICUBIC, reducing_gap=3.0)
            left, top = (w - prep.width) // 2, (h - prep.height) // 2
            rgb = rgb.crop((left, top, left + prep.width, top + prep.height))
        elif rgb.size != (prep.width, prep.height):
            rgb = rgb.resize((prep.width, prep.height), Image.Resampling.BICUBIC,
                             reducing_gap=3.0)
        pixels = np.asarray(rgb, dtype=np.float32) / np.float32(255)
        mean, std = np.asarray(prep.mean, np.float32), np.asarray(prep.std, np.float32)
        return np.ascontiguousarray(((pixels - mean) / std).transpose(2, 0, 1),
                                    dtype=np.float32)

    def _run(self, tensors: Sequence[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
        count = len(tensors)
        batch = np.stack(tensors)
        if self.batch is not None and count < self.batch:
            pad = np.zeros((self.batch - count, *batch.shape[1:]), dtype=np.float32)
            batch = np.concatenate([batch, pad])
        try:
            raw = self._raw(batch)
        except _RunError as error:
            raise _error(self.path, f"the model failed to run: {error}") from None
        if raw.shape[0] < count:
            raise _error(self.path, f"the model gave {raw.shape[0]} rows for {count} "
                                    "pictures")
        raw = raw[:count]
        if self.output_kind == "pooled map":
            vectors = raw.reshape(count, -1)
        elif self.output_kind == "tokens":
            vectors = raw[:, 0, :] if self.pooling == "cls" else raw.mean(axis=1)
        else:
            vectors = raw
        vectors = vectors.astype(np.float32)
        if vectors.shape != (count, self.dimension):
            raise _error(self.path, f"the model gave an output of shape {raw.shape} (expected "
                                    f"{self.dimension} dimensions)")
        if not np.isfinite(vectors).all():
            raise _error(self.path, "the model gave values that are not finite (NaN or "
                                    "infinity)")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, np.float32(1e-12))

    def _raw(self, batch: npt.NDArray[np.float32]) -> npt.NDArray[Any]:
        try:
            (out,) = self._session.run([self.output_name],
                                       {self.input_name: batch.astype(self._dtype, copy=False)})
        except Exception as exc:
            raise _RunError(_short(exc)) from None
        out = np.asarray(out)
        if out.dtype.kind != "f":
            raise _RunError(f"it gave {out.dtype} values, not float")
        if out.ndim == 0:
            raise _RunError("it gave a single number")
        return out


class _RunError(Exception):
    """The model failed on a batch (the message says how, without the file's name)."""


# --------------------------------------------------------------------------- regions


def region_boxes(width: int, height: int, *, levels: int = 1
                 ) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of the whole picture, then, for each level l = 1..levels, an
    (l+1) x (l+1) grid of overlapping regions, each 2/(l+2) of the picture's width and
    height, row by row (level 1: four regions of 2/3 by 2/3 overlapping by 1/3)."""
    if width < 1 or height < 1:
        raise ValueError("empty picture")
    if not 0 <= levels <= MAX_LEVELS:
        raise ValueError(f"levels must be between 0 and {MAX_LEVELS}")
    boxes = [(0, 0, width, height)]
    for level in range(1, levels + 1):
        n = level + 1
        fraction = 2 / (n + 1)
        w, h = max(1, round(width * fraction)), max(1, round(height * fraction))
        xs = [round(i * (width - w) / (n - 1)) for i in range(n)]
        ys = [round(i * (height - h) / (n - 1)) for i in range(n)]
        boxes.extend((x, y, w, h) for y in ys for x in xs)
    return boxes


# --------------------------------------------------------------------------- the configured model

_configured: dict[str, tuple[tuple[int, int], EmbeddingModel | EmbeddingModelError]] = {}
_configured_lock = threading.Lock()


def configured_model(path: str | os.PathLike[str] | None = None) -> EmbeddingModel | None:
    """The model of TRACEOBJECT_EMBEDDING_MODEL (or of `path`, e.g. settings.EMBEDDING_MODEL;
    an empty one means none), loaded once per process (again when the file changes); None
    when none is configured.
    A configured model that cannot be used raises EmbeddingModelError (every call, without
    loading it again): callers for which the embedding is optional catch it."""
    given = (os.environ.get(ENV_SETTING, "") if path is None else os.fspath(path)).strip()
    if not given:
        return None
    where = Path(given)
    _file_size(where)  # a missing or unreadable file: the error says why
    stat = where.stat()
    key, stamp = str(where.resolve()), (stat.st_size, stat.st_mtime_ns)
    with _configured_lock:
        cached = _configured.get(key)
        if cached is None or cached[0] != stamp:
            try:
                result: EmbeddingModel | EmbeddingModelError = EmbeddingModel.load(where)
            except EmbeddingModelError as error:
                result = error
            cached = _configured[key] = (stamp, result)
    if isinstance(cached[1], EmbeddingModelError):
        raise cached[1]
    return cached[1]


def status(path: str | os.PathLike[str] | None = None) -> str:
    """One line for a status command: off, the configured model, or why it cannot be used."""
    try:
        model = configured_model(path)
    except EmbeddingModelError as error:
        return f"embedding model: cannot be used: {error}"
    if model is None:
        return f"embedding model: off ({ENV_SETTING} is not set)"
    return f"embedding model: {model.path}: {model.summary()}"


# --------------------------------------------------------------------------- helpers


def _error(where: Path, message: str) -> EmbeddingModelError:
    return EmbeddingModelError(f"{where}: {message}")


_LOAD_FAILED = re.compile(r"^Load model from .*? failed:\s*")
_NODE_FAILED = re.compile(r"running (\S+) node\. Name:'([^']*)' Status Message: (.*)$")
_CHECK_FAILED = re.compile(r"^\S+:\d+ .*? was false\. ")


def _short(exc: BaseException) -> str:
    """onnxruntime's message on one line, without its "[ONNXRuntimeError] : 2 : CODE : ",
    the path it was loading, or the C++ place and condition of a failing node."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if text.startswith("[ONNXRuntimeError]"):
        text = text.split(" : ", 3)[-1]
    text = _LOAD_FAILED.sub("", text)
    node = _NODE_FAILED.search(text)
    if node:
        op, name, detail = node.groups()
        named = f" {name!r}" if name else ""
        text = f"its {op} node{named} failed: {_CHECK_FAILED.sub('', detail)}"
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE - 1] + "…"


def _file_size(where: Path) -> int:
    try:
        stat = where.stat()
    except FileNotFoundError:
        raise _error(where, "no such file") from None
    except OSError as exc:
        raise _error(where, f"cannot be read ({exc.strerror or exc})") from None
    if not where.is_file():
        raise _error(where, "not a file")
    if not os.access(where, os.R_OK):
        raise _error(where, "cannot be read (permission denied)")
    return stat.st_size


def _open_session(where: Path) -> Any:
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise _error(where, f"onnxruntime is not installed ({exc})") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 4  # fatal only: a failure's reason is in the exception
    options.add_session_config_entry("session.load_model_format", "ONNX")
    try:
        return ort.InferenceSession(str(where), sess_options=options,
                                    providers=["CPUExecutionProvider"])
    except Exception as exc:
        detail = _short(exc)
        if "protobuf" in detail.lower() or "no graph" in detail.lower():
            raise _error(where, f"not an ONNX model, or a damaged one ({detail})") from None
        raise _error(where, f"the model cannot be loaded ({detail})") from None


def _sha256(where: Path) -> str:
    digest = hashlib.sha256()
    with open(where, "rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _shape(dims: Sequence[Any]) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"


def _input_size(where: Path, name: str, height_dim: Any, width_dim: Any,
                meta: dict[str, str]) -> tuple[int, int]:
    given = _size(where, meta.get("size"))
    fixed = [d if isinstance(d, int) and d > 0 else None for d in (height_dim, width_dim)]
    if given is not None and any(f is not None and f != g for f, g in zip(fixed, given,
                                                                           strict=True)):
        raise _error(where, f"the metadata's size {given[0]}x{given[1]} does not match the "
                            f"fixed size {_shape([height_dim, width_dim])} of the input {name!r}")
    height, width = (f if f is not None else (given[i] if given else DEFAULT_SIZE)
                     for i, f in enumerate(fixed))
    if not (MIN_INPUT_SIDE <= height <= MAX_INPUT_SIDE
            and MIN_INPUT_SIDE <= width <= MAX_INPUT_SIDE):
        raise _error(where, f"the input {name!r} is {height}x{width} pixels; each side must "
                            f"be between {MIN_INPUT_SIDE} and {MAX_INPUT_SIDE}")
    return height, width


def _size(where: Path, value: str | None) -> tuple[int, int] | None:
    if value is None or not value.strip():
        return None
    parts = value.replace("x", ",").replace(" ", ",").split(",")
    parts = [p for p in parts if p]
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (1, 2) or not all(MIN_INPUT_SIDE <= n <= MAX_INPUT_SIDE
                                             for n in numbers):
        raise _error(where, f"the metadata's size {value[:40]!r} is not one or two whole "
                            f"numbers between {MIN_INPUT_SIDE} and {MAX_INPUT_SIDE}")
    return (numbers[0], numbers[-1])


def _triple(where: Path, meta: dict[str, str], key: str,
            default: tuple[float, float, float]) -> tuple[float, float, float]:
    value = meta.get(key)
    if value is None or not value.strip():
        return default
    parts = [p for p in value.replace(",", " ").split() if p]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 3 or not all(np.isfinite(n) and -10 <= n <= 10 for n in numbers):
        raise _error(where, f"the metadata's {key} {value[:60]!r} is not three numbers")
    return (numbers[0], numbers[1], numbers[2])


def _choice(where: Path, meta: dict[str, str], key: str, allowed: tuple[str, ...]) -> str:
    value = (meta.get(key) or "").strip().lower()
    if not value:
        return allowed[0]
    if value not in allowed:
        raise _error(where, f"the metadata's {key} {value[:40]!r} is not one of "
                            f"{', '.join(allowed)}")
    return value


def _pick_output(where: Path, outputs: Sequence[Any], meta: dict[str, str]) -> Any:
    wanted = (meta.get("output") or "").strip()
    names = ", ".join(o.name for o in outputs)
    if wanted:
        for output in outputs:
            if output.name == wanted:
                return output
        raise _error(where, f"the metadata names the output {wanted[:60]!r}, which the model "
                            f"does not have (it has {names})")
    if len(outputs) != 1:
        raise _error(where, f"the model has {len(outputs)} outputs ({names}); keep only the "
                            "embedding, or name it in the model's metadata (output)")
    return outputs[0]


def _to_rgb(picture: Picture) -> Image.Image:
    """An RGB PIL image of `picture` (transparency over white)."""
    if isinstance(picture, np.ndarray):
        picture = _array_image(picture)
    if not isinstance(picture, Image.Image):
        raise ValueError("a picture is a PIL image or a numpy array")
    if picture.width < 1 or picture.height < 1:
        raise ValueError("empty picture")
    mode = picture.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        return Image.fromarray(_as_uint8(np.asarray(picture)), mode="L").convert("RGB")
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(base, rgba).convert("RGB")
    return picture if mode == "RGB" else picture.convert("RGB")


def _array_image(array: npt.NDArray[Any]) -> Image.Image:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"a picture array is (H, W) or (H, W, 1|3|4); got {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError("empty picture")
    if array.dtype.kind not in "buif":
        raise ValueError(f"a picture array holds numbers; got {array.dtype}")
    pixels = np.ascontiguousarray(_as_uint8(array))
    mode = "L" if pixels.ndim == 2 else ("RGB" if pixels.shape[2] == 3 else "RGBA")
    return Image.fromarray(pixels, mode=mode)


def _as_uint8(array: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Samples to 0..255: uint8 as is, booleans as 0/255, 16-bit by their high byte, floats
    in 0..1 scaled, anything else stretched over its finite range."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * np.uint8(255)
    if array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    values = array.astype(np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(array.shape, dtype=np.uint8)
    lo, hi = float(finite.min()), float(finite.max())
    if array.dtype.kind == "f" and lo >= 0 and hi <= 1:
        lo, hi = 0.0, 1.0
    elif lo >= 0 and hi <= 255:
        lo, hi = 0.0, 255.0
    span = hi - lo if hi > lo else 1.0
    scaled = np.nan_to_num((values - lo) * (255.0 / span), nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
