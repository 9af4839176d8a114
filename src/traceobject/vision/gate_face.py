"""Face search for the safety gate: BlazeFace over a window pyramid, each proposal
verified again (Django-free).

Why not just call MediaPipe's face detector once? Its graph resizes the whole crop to
128 x 128 (short range) or 192 x 192 (full range) and drops every detection below
0.5, so small faces vanish and faces cut off by the crop edge score too low. Here:

1. The crop is padded by mirroring its border (a face cut in half at the edge
   becomes a whole, symmetric face) and searched with BlazeFace in overlapping
   square windows from 1.5 x the crop's long side down to :data:`MIN_WINDOW`
   pixels, each size 1/sqrt(2) of the one before, so a face of ~25 px is seen at
   a size the model was trained for; along the crop border the windows go down to
   :data:`MIN_EDGE_WINDOW`, for small faces of which the edge leaves only a part
   (their proposals count only if cut by the edge).
   Every window proposal above :data:`PROPOSAL_MIN` is kept; proposals are merged
   (non-maximum suppression).
2. The strongest :data:`MAX_VERIFY` wholly inside the crop (with a BlazeFace score of
   at least :data:`INSIDE_FEATURES_MIN`) and, separately, the strongest
   :data:`MAX_VERIFY_EDGE` cut by its edge are described by :data:`EDGE_FEATURES`:
   the face-mesh model's face-flag features (the layer its face-presence output is
   computed from) on the candidate with the mirror and with a grey border, its
   face presence both ways (re-centred on the predicted landmarks for a few rounds,
   as MediaPipe's tracker does), BlazeFace re-detections in windows framed on it
   (1.5 to 4 x its size; mirrored, grey and mean-colour borders; also flipped), and
   OpenCV's Haar face cascades on squares around it (made for 24 x 24 grey faces,
   they see small and blurred faces that the face-mesh model misses).
3. Two logistic regressions over these features (:class:`FaceModel`, trained by
   ``bench/train_gate_faces.py``; :func:`face_model` gives each) turn them into
   ``inside_score`` for candidates wholly inside the crop and ``edge_score`` for
   candidates cut by its edge. A proposal cut
   by the edge is a half face made whole by the mirror, which the face-mesh model
   rarely likes, while mirrored textures become symmetric and fool BlazeFace more
   often: the two kinds get their own model and threshold.

The thresholds that turn these scores into findings live in
:class:`traceobject.vision.gate.GateConfig`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import cv2
import numpy as np
import numpy.typing as npt

from traceobject.vision.gate_models import HAAR_CASCADES, GateModels, ModelLoadError

__all__ = [
    "EDGE_FEATURES",
    "EDGE_INSIDE",
    "EMBEDDING_SIZE",
    "FACE_MODEL_FILES",
    "INSIDE_FEATURES_MIN",
    "MAX_VERIFY",
    "MAX_VERIFY_EDGE",
    "MIN_EDGE_WINDOW",
    "MIN_WINDOW",
    "PROPOSAL_MIN",
    "FaceCandidate",
    "FaceModel",
    "FaceModelKind",
    "face_model",
    "find_faces",
    "load_face_model",
]

#: Smallest search window; BlazeFace finds faces of ~20-70 % of its window.
MIN_WINDOW: Final = 96
#: BlazeFace score at which a window proposal is kept for verification.
PROPOSAL_MIN: Final = 0.3
#: Smallest search window along the crop border (faces cut by the edge).
MIN_EDGE_WINDOW: Final = 48
#: How many merged proposals wholly inside the crop are judged by the inside-face model.
MAX_VERIFY: Final = 10
#: How many merged proposals cut by the crop edge are judged by the edge-face model
#: (each candidate judged is one more chance for a texture at the edge to fool it:
#: ``bench/train_gate_faces.py``'s cross-validated recall at 4.5 % of object crops
#: blocked is 0.965 with 4, 0.958 with 6, 0.954 with 8 and 0.959 with 12).
MAX_VERIFY_EDGE: Final = 4
#: Candidates wholly inside the crop with at least this BlazeFace score get
#: :data:`EDGE_FEATURES` too, for the inside-face model.
INSIDE_FEATURES_MIN: Final = 0.4
#: Windows per BlazeFace forward pass.
_BATCH: Final = 32
#: A candidate with less of its box inside the crop than this is "cut by the edge".
EDGE_INSIDE: Final = 0.9
#: Size of the face-mesh model's face-flag features (its layer before the face flag).
EMBEDDING_SIZE: Final = 288
_EDGE_FACTORS: Final = (1.5, 2.0, 3.0, 4.0)
#: Haar cascades on the candidate: squares of these factors x its size, at 48 x 48 px.
_HAAR_FACTORS: Final = (1.2, 1.6)
_HAAR_SIDE: Final = 48
#: (cascade, mirrored left-right) runs: the profile cascade knows one side only.
_HAAR_RUNS: Final = (
    (HAAR_CASCADES[0], False),
    (HAAR_CASCADES[1], False),
    (HAAR_CASCADES[2], False),
    (HAAR_CASCADES[2], True),
)
#: What the face models read, in order: the face-mesh features of the candidate on the
#: mirrored and on the grey-padded crop, BlazeFace and face-mesh scores, then the Haar
#: cascades' answers on the mirrored and on the grey-padded crop.
EDGE_FEATURES: Final[tuple[str, ...]] = (
    *(f"mesh_mirror_{i}" for i in range(EMBEDDING_SIZE)),
    *(f"mesh_grey_{i}" for i in range(EMBEDDING_SIZE)),
    "det",
    "presence_mirror",
    "presence_grey",
    *(
        f"redetect_{fill}_{factor}"
        for factor in _EDGE_FACTORS
        for fill in ("mirror", "grey", "mean")
    ),
    "redetect_mirror_flipped_2.0",
    "redetect_grey_flipped_2.0",
    "inside",
    "relative_size",
    *(
        f"haar_{fill}_{factor}_{name}{'_flipped' if flip else ''}_{value}"
        for fill in ("mirror", "grey")
        for factor in _HAAR_FACTORS
        for name, flip in _HAAR_RUNS
        for value in ("windows", "weight")
    ),
)
_GREY: Final = (127, 127, 127)
_DET_SIDE: Final = 128
_LM_SIDE: Final = 192

# --------------------------------------------------------------------------- the face models

#: Which face model: "edge" judges candidates cut by the crop edge, "inside" candidates
#: wholly inside the crop (each with its own threshold in the gate's GateConfig).
FaceModelKind = Literal["edge", "inside"]
#: The face models' files: logistic regressions trained by ``bench/train_gate_faces.py``.
FACE_MODEL_FILES: dict[FaceModelKind, Path] = {
    "edge": Path(__file__).with_name("data") / "gate_edge_face.json",
    "inside": Path(__file__).with_name("data") / "gate_inside_face.json",
}


@dataclass(frozen=True)
class FaceModel:
    """Is a face candidate a face? A standardised logistic regression over
    :data:`EDGE_FEATURES`; the gate has two (:data:`FACE_MODEL_FILES`, :func:`face_model`).
    """

    features: tuple[str, ...]
    mean: Any  # numpy float64 arrays, one value per feature
    scale: Any
    coef: Any
    intercept: float
    threshold: float  # the training's recommended decision threshold
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, x: Any) -> float:
        """The probability that the candidate is a face; non-finite input raises
        ``ValueError`` (the gate then fails with an error finding, never passes)."""
        values = np.asarray(x, dtype=np.float64)
        if values.shape != (len(self.features),) or not np.all(np.isfinite(values)):
            raise ValueError("the face model got features it cannot score")
        z = float(np.dot((values - self.mean) / self.scale, self.coef)) + self.intercept
        return float(1.0 / (1.0 + np.exp(-min(80.0, max(-80.0, z)))))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "standardised logistic regression",
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "coef": [float(v) for v in self.coef],
            "intercept": float(self.intercept),
            "threshold": float(self.threshold),
            "meta": self.meta,
        }


def load_face_model(path: Path) -> FaceModel:
    """Read and check a face model's file; anything wrong raises
    :class:`~traceobject.vision.gate_models.ModelLoadError`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        features = tuple(str(v) for v in data["features"])
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        intercept, threshold = float(data["intercept"]), float(data["threshold"])
        meta = dict(data.get("meta", {}))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"cannot read the face model {path}: {exc}") from exc
    if features != EDGE_FEATURES:
        raise ModelLoadError(f"{path.name} was trained on other features than the gate computes")
    n = len(features)
    if any(a.shape != (n,) or not np.all(np.isfinite(a)) for a in arrays) or np.any(arrays[1] <= 0):
        raise ModelLoadError(f"{path.name}: mean, scale and coef need {n} finite values")
    if not (math.isfinite(intercept) and 0.0 < threshold < 1.0):
        raise ModelLoadError(f"{path.name}: bad intercept or threshold")
    return FaceModel(features, arrays[0], arrays[1], arrays[2], intercept, threshold, meta)


_face_models: dict[FaceModelKind, FaceModel] = {}


def face_model(which: FaceModelKind) -> FaceModel:
    """The edge-face or the inside-face model, read once per process (raises
    :class:`~traceobject.vision.gate_models.ModelLoadError`)."""
    model = _face_models.get(which)
    if model is None:
        model = _face_models[which] = load_face_model(FACE_MODEL_FILES[which])
    return model


# --------------------------------------------------------------------------- face search


def _anchors() -> npt.NDArray[np.float32]:
    """SSD anchors of the short-range BlazeFace (strides 8 and 16; 2 + 6 per cell)."""
    out: list[tuple[float, float]] = []
    for stride, per_cell in ((8, 2), (16, 6)):
        cells = _DET_SIDE // stride
        for y in range(cells):
            for x in range(cells):
                out.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell)
    return np.asarray(out, dtype=np.float32)


_ANCHORS: Final = _anchors()
#: Anchors of the stride-8 head (the first in the model's output).
_N_FINE: Final = (_DET_SIDE // 8) ** 2 * 2


def _u8(image: Any) -> npt.NDArray[np.uint8]:
    """OpenCV's result as a uint8 array (no copy; for the type checker)."""
    return np.asarray(image, dtype=np.uint8)


def _sigmoid(x: npt.NDArray[np.float32] | float) -> Any:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80.0, 80.0)))


@dataclass
class FaceCandidate:
    """A face proposal in crop pixels (centre, size) and its verification."""

    det: float  # BlazeFace score of the best window
    cx: float
    cy: float
    w: float
    h: float
    presence: float = 0.0  # face-mesh face presence, best completion
    inside: float = 1.0  # fraction of the box inside the crop
    redetect: float = 0.0  # BlazeFace again, window framed on the candidate, mirrored border
    redetect_grey: float = 0.0  # the same with a grey border (no mirror image to fool it)
    #: Cut by the edge: the edge-face model's probability, and what it read.
    edge_score: float = 0.0
    #: Wholly inside the crop (and BlazeFace score at least :data:`INSIDE_FEATURES_MIN`):
    #: the inside-face model's probability; it reads the same features.
    inside_score: float = 0.0
    features: npt.NDArray[np.float32] | None = None

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.cx - self.w / 2, self.cy - self.h / 2, self.w, self.h)


def _detect_batch(
    models: GateModels, windows: list[npt.NDArray[np.uint8]]
) -> list[list[tuple[float, float, float, float, float]]]:
    """BlazeFace on 128 x 128 windows in one forward pass: per window, its proposals
    above :data:`PROPOSAL_MIN` as (score, cx, cy, w, h) in window fractions."""
    if not windows:
        return []
    blob = np.empty((len(windows), _DET_SIDE, _DET_SIDE, 3), dtype=np.float32)
    for k, window in enumerate(windows):
        side = window.shape[0]
        if side != _DET_SIDE:
            interp = cv2.INTER_AREA if side > _DET_SIDE else cv2.INTER_LINEAR
            window = _u8(cv2.resize(window, (_DET_SIDE, _DET_SIDE), interpolation=interp))
        blob[k] = window.astype(np.float32) * (1.0 / 127.5) - 1.0
    g = models.face_net
    with g.lock:
        reg, cls = g.obj.forward(blob)
    # The model was exported for one image: it flattens each head (stride 8, then 16)
    # over the batch and concatenates the heads, so the output holds every window's
    # stride-8 anchors, then every window's stride-16 anchors.
    n = len(windows)
    reg = np.concatenate(
        [
            reg[0, : n * _N_FINE].reshape(n, _N_FINE, -1),
            reg[0, n * _N_FINE :].reshape(n, len(_ANCHORS) - _N_FINE, -1),
        ],
        axis=1,
    )
    cls = np.concatenate(
        [
            cls[0, : n * _N_FINE, 0].reshape(n, _N_FINE),
            cls[0, n * _N_FINE :, 0].reshape(n, len(_ANCHORS) - _N_FINE),
        ],
        axis=1,
    )
    scores = _sigmoid(cls)
    out: list[list[tuple[float, float, float, float, float]]] = []
    for k in range(len(windows)):
        found = []
        for i in np.flatnonzero(scores[k] >= PROPOSAL_MIN):
            r = reg[k, i]
            found.append(
                (
                    float(scores[k, i]),
                    float(r[0] / _DET_SIDE + _ANCHORS[i, 0]),
                    float(r[1] / _DET_SIDE + _ANCHORS[i, 1]),
                    float(r[2] / _DET_SIDE),
                    float(r[3] / _DET_SIDE),
                )
            )
        out.append(found)
    return out


def _square(
    img: npt.NDArray[np.uint8], cx: float, cy: float, side: float, fill: tuple[int, int, int]
) -> npt.NDArray[np.uint8] | None:
    """The square of ``side`` centred at (cx, cy) in ``img``; outside is ``fill``."""
    s = int(round(side))
    if s < 4:
        return None
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    h, w = img.shape[:2]
    out = np.empty((s, s, 3), dtype=np.uint8)
    out[:] = fill
    sx0, sy0 = max(0, x0), max(0, y0)
    sx1, sy1 = min(w, x0 + s), min(h, y0 + s)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = img[sy0:sy1, sx0:sx1]
    return out


def _mesh_blob(patch: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """The face-mesh model's input: the patch at 192 x 192, RGB in [0, 1], NCHW."""
    x = cv2.resize(patch, (_LM_SIDE, _LM_SIDE), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    return np.ascontiguousarray((x * (1.0 / 255.0)).transpose(2, 0, 1)[None])


def _presence(
    models: GateModels,
    img: npt.NDArray[np.uint8],
    cx: float,
    cy: float,
    side: float,
    fill: tuple[int, int, int],
) -> tuple[float, npt.NDArray[np.float32] | None]:
    patch = _square(img, cx, cy, side, fill)
    if patch is None:
        return 0.0, None
    g = models.landmark_net
    with g.lock:
        g.obj.setInput(_mesh_blob(patch))
        pts, flag = g.obj.forward(list(models.landmark_outputs))
    xy = pts.reshape(-1, 3)[:, :2] * (side / _LM_SIDE) + np.array(
        [cx - side / 2, cy - side / 2], dtype=np.float32
    )
    return float(_sigmoid(float(flag.ravel()[0]))), xy


def _verify(
    models: GateModels,
    img: npt.NDArray[np.uint8],
    cand: FaceCandidate,
    offset: int,
    fill: tuple[int, int, int] | None,
    rounds: int = 3,
) -> float:
    """Best face presence over a few landmark re-centring rounds."""
    cx, cy = cand.cx + offset, cand.cy + offset
    side = max(cand.w, cand.h) * 1.5
    best = 0.0
    for _ in range(rounds):
        p, xy = _presence(models, img, cx, cy, side, fill or _GREY)
        best = max(best, p)
        if xy is None or best >= 0.9:
            break
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        cx, cy = float(x0 + x1) / 2, float(y0 + y1) / 2
        side = float(max(x1 - x0, y1 - y0)) * 1.5
        if not math.isfinite(side) or side < 8 or side > 4 * max(img.shape[:2]):
            break
    return best


def _redetect(
    models: GateModels,
    cand: FaceCandidate,
    offset: int,
    specs: list[tuple[npt.NDArray[np.uint8], float, bool]],
) -> list[float]:
    """Per (padded image, factor, flip): the best BlazeFace score near the candidate's
    centre in a window ``factor`` x its size framed on it (``flip``: mirrored
    left-right). One forward pass for all of them."""
    windows: list[npt.NDArray[np.uint8]] = []
    looked: list[int] = []
    for k, (img, factor, flip) in enumerate(specs):
        side = max(cand.w, cand.h) * factor
        window = _square(img, cand.cx + offset, cand.cy + offset, side, _GREY)
        if window is not None:  # else too small to look at: nothing there
            windows.append(np.ascontiguousarray(window[:, ::-1]) if flip else window)
            looked.append(k)
    best = [0.0] * len(specs)
    for k, dets in zip(looked, _detect_batch(models, windows), strict=True):
        near = [s for s, cx, cy, _w, _h in dets if abs(cx - 0.5) <= 0.2 and abs(cy - 0.5) <= 0.2]
        best[k] = max(near, default=0.0)
    return best


def _embedding(
    models: GateModels, img: npt.NDArray[np.uint8], cand: FaceCandidate, offset: int
) -> npt.NDArray[np.float32]:
    """The face-mesh model's face-flag features on the square 1.5 x the candidate."""
    side = max(cand.w, cand.h) * 1.5
    patch = _square(img, cand.cx + offset, cand.cy + offset, side, _GREY)
    if patch is None:
        return np.zeros(EMBEDDING_SIZE, dtype=np.float32)
    g = models.landmark_net
    with g.lock:
        g.obj.setInput(_mesh_blob(patch))
        out = g.obj.forward(models.landmark_embedding)
    return np.asarray(out, dtype=np.float32).ravel().copy()


def _haar(
    models: GateModels, img: npt.NDArray[np.uint8], cand: FaceCandidate, offset: int
) -> list[float]:
    """OpenCV's Haar face cascades on squares around the candidate: per square and run,
    log(1 + windows accepted) and the best window's final-stage weight (0 if none)."""
    out: list[float] = []
    for factor in _HAAR_FACTORS:
        side = max(cand.w, cand.h) * factor
        patch = _square(img, cand.cx + offset, cand.cy + offset, side, _GREY)
        if patch is None:
            out += [0.0] * (2 * len(_HAAR_RUNS))
            continue
        small = cv2.resize(patch, (_HAAR_SIDE, _HAAR_SIDE), interpolation=cv2.INTER_AREA)
        grey = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
        for name, flip in _HAAR_RUNS:
            image = np.ascontiguousarray(grey[:, ::-1]) if flip else grey
            cascade = models.haar.obj[HAAR_CASCADES.index(name)]
            with models.haar.lock:
                _rects, _levels, weights = cascade.detectMultiScale3(
                    image,
                    scaleFactor=1.1,
                    minNeighbors=0,
                    minSize=(20, 20),
                    outputRejectLevels=True,
                )
            found = np.asarray(weights, dtype=np.float64).ravel()
            out += [float(np.log1p(found.size)), float(found.max()) if found.size else 0.0]
    return out


def _edge_features(
    models: GateModels,
    cand: FaceCandidate,
    images: tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint8]],
    offset: int,
    longest: int,
) -> npt.NDArray[np.float32]:
    """The feature vector of :data:`EDGE_FEATURES` for a face candidate.

    ``images``: the crop padded by mirroring, with grey, and with its mean colour.
    """
    mirrored, grey, mean = images
    pres_m = _verify(models, mirrored, cand, offset, None)
    pres_g = _verify(models, grey, cand, offset, _GREY)
    specs = [(img, factor, False) for factor in _EDGE_FACTORS for img in (mirrored, grey, mean)]
    specs += [(mirrored, 2.0, True), (grey, 2.0, True)]
    values = [cand.det, pres_m, pres_g, *_redetect(models, cand, offset, specs)]
    values += [cand.inside, max(cand.w, cand.h) / longest]
    values += _haar(models, mirrored, cand, offset) + _haar(models, grey, cand, offset)
    return np.concatenate(
        [
            _embedding(models, mirrored, cand, offset),
            _embedding(models, grey, cand, offset),
            np.asarray(values, dtype=np.float32),
        ]
    )


def _iou(a: FaceCandidate, b: FaceCandidate) -> float:
    ax0, ay0, aw, ah = a.box
    bx0, by0, bw, bh = b.box
    iw = max(0.0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    ih = max(0.0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _inside(cand: FaceCandidate, w: int, h: int) -> float:
    """The fraction of the candidate's box inside a crop of ``w`` x ``h``."""
    x0, y0, bw, bh = cand.box
    ix = max(0.0, min(x0 + bw, w) - max(x0, 0.0))
    iy = max(0.0, min(y0 + bh, h) - max(y0, 0.0))
    return (ix * iy) / (bw * bh) if bw > 0 and bh > 0 else 0.0


def _positions(length: int, side: int, pad: int) -> list[int]:
    """Window origins (may be negative) covering [-pad, length + pad) with 50 % overlap."""
    lo, hi = -pad, length + pad - side
    if hi <= lo:
        return [(length - side) // 2]
    step = max(1, side // 2)
    out = list(range(lo, hi + 1, step))
    if out[-1] < hi:
        out.append(hi)
    return out


def find_faces(
    models: GateModels,
    rgb: npt.NDArray[np.uint8],
    *,
    edge_model: FaceModel | None = None,
    inside_model: FaceModel | None = None,
) -> list[FaceCandidate]:
    """Face candidates in ``rgb``, strongest first: at most :data:`MAX_VERIFY` wholly
    inside the crop and :data:`MAX_VERIFY_EDGE` cut by its edge.

    Each gets its :data:`EDGE_FEATURES` (candidates wholly inside the crop only with a
    BlazeFace score of at least :data:`INSIDE_FEATURES_MIN`) and, when the models are
    given, its ``inside_score`` or ``edge_score``; ``presence``, ``redetect`` and
    ``redetect_grey`` summarise the features for the reviewer.
    """
    h, w = rgb.shape[:2]
    longest = max(h, w)
    pad = int(math.ceil(longest * 0.75)) + 1
    # Mirror the border: a face cut in half by the crop edge becomes a whole face.
    # (BORDER_REFLECT_101 keeps reflecting when the pad exceeds the image.)
    mirrored = _u8(cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REFLECT_101))

    proposals: list[FaceCandidate] = []
    sides = [int(round(longest * 1.5))]
    side_f = float(longest)
    while side_f >= MIN_WINDOW * 0.999:
        sides.append(int(round(side_f)))
        side_f /= math.sqrt(2)
    if len(sides) == 1:  # a crop smaller than the smallest window: look at it enlarged too
        sides.append(longest)
    n_whole = len(sides)
    # Finer windows along the border only: a small face cut by the edge keeps too little
    # of itself to be found in a window of MIN_WINDOW.
    while side_f >= MIN_EDGE_WINDOW * 0.999:
        sides.append(int(round(side_f)))
        side_f /= math.sqrt(2)
    for level, side in enumerate(sides):
        margin = side // 4
        ys = [(h - side) // 2] if level == 0 else _positions(h, side, margin)
        xs = [(w - side) // 2] if level == 0 else _positions(w, side, margin)
        origins = [
            (x0, y0)
            for y0 in ys
            for x0 in xs
            if level < n_whole
            or min(x0, y0) < margin
            or x0 + side > w - margin
            or y0 + side > h - margin
        ]
        # Reduce the part of the mirrored crop this level looks at once, then cut the
        # 128 x 128 windows out of it (cheaper than reducing every window).
        f = _DET_SIDE / side
        top, left = ys[0] + pad, xs[0] + pad
        region = mirrored[top : ys[-1] + side + pad, left : xs[-1] + side + pad]
        size = (max(1, round(region.shape[1] * f)), max(1, round(region.shape[0] * f)))
        interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
        reduced = _u8(cv2.resize(region, size, interpolation=interp))
        windows, offsets = [], []
        for x0, y0 in origins:
            ox, oy = round((x0 - xs[0]) * f), round((y0 - ys[0]) * f)
            window = _square(reduced, ox + _DET_SIDE / 2, oy + _DET_SIDE / 2, _DET_SIDE, _GREY)
            if window is not None:
                windows.append(window)
                offsets.append((ox, oy))
        for k in range(0, len(windows), _BATCH):
            found = _detect_batch(models, windows[k : k + _BATCH])
            for (ox, oy), dets in zip(offsets[k : k + _BATCH], found, strict=True):
                for score, cx, cy, bw, bh in dets:
                    # window pixel -> crop pixel, through the reduced level
                    px, py = (ox + cx * _DET_SIDE) / f, (oy + cy * _DET_SIDE) / f
                    cand = FaceCandidate(
                        score, xs[0] + px, ys[0] + py, bw * _DET_SIDE / f, bh * _DET_SIDE / f
                    )
                    if level >= n_whole and _inside(cand, w, h) >= EDGE_INSIDE:
                        continue  # the border windows look for faces cut by the edge only
                    proposals.append(cand)

    # Merge (non-maximum suppression), then verify the strongest of each kind: faces
    # wholly inside the crop and faces cut by its edge have their own budget, so
    # textures inside the crop cannot crowd out a face at the edge.
    proposals.sort(key=lambda c: -c.det)
    merged: list[FaceCandidate] = []
    kept: list[FaceCandidate] = []
    n_inside = n_edge = 0
    for cand in proposals:
        if cand.w < 2 or cand.h < 2:
            continue
        if any(_iou(cand, k) >= 0.3 for k in merged):
            continue
        merged.append(cand)
        cand.inside = _inside(cand, w, h)
        if cand.inside <= 0:
            continue
        if cand.inside >= EDGE_INSIDE and n_inside < MAX_VERIFY:
            n_inside += 1
            kept.append(cand)
        elif cand.inside < EDGE_INSIDE and n_edge < MAX_VERIFY_EDGE:
            n_edge += 1
            kept.append(cand)
        if n_inside >= MAX_VERIFY and n_edge >= MAX_VERIFY_EDGE:
            break

    padded: tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint8]] | None
    padded = None
    for cand in kept:
        if cand.inside >= EDGE_INSIDE and cand.det < INSIDE_FEATURES_MIN:
            continue  # weaker proposals are not judged (their features cost ~50 ms each)
        if padded is None:
            mean = tuple(int(v) for v in rgb.reshape(-1, 3).mean(axis=0))
            padded = (
                mirrored,
                _u8(cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=_GREY)),
                _u8(cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=mean)),
            )
        cand.features = _edge_features(models, cand, padded, pad, longest)
        scalars = cand.features[2 * EMBEDDING_SIZE :]
        names = EDGE_FEATURES[2 * EMBEDDING_SIZE :]
        value = dict(zip(names, (float(v) for v in scalars), strict=True))
        if cand.inside >= EDGE_INSIDE:
            cand.presence = value["presence_mirror"]
            if inside_model is not None:
                cand.inside_score = inside_model.score(cand.features)
            continue
        cand.presence = max(value["presence_mirror"], value["presence_grey"])
        cand.redetect = max(value["redetect_mirror_2.0"], value["redetect_mirror_3.0"])
        cand.redetect_grey = max(value["redetect_grey_2.0"], value["redetect_grey_3.0"])
        if edge_model is not None:
            cand.edge_score = edge_model.score(cand.features)
    return kept
