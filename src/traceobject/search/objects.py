"""Same-object search, first stage: aggregated local features in a FAISS index (Django-free).

An evidence image is described by a few vectors: one for the whole picture and one for each
region of a multi-scale overlapping grid (:data:`REGIONS`), so that an object that fills a
small part of a cluttered scene still has a vector that is mostly about it. Each vector is a
VLAD (Jegou et al. 2010) of the picture's RootSIFT descriptors over a visual vocabulary
learned from the corpus itself (k-means, :func:`train_codebook`), with the refinements of
"All about VLAD" (Arandjelovic & Zisserman 2013) and "Revisiting the VLAD image
representation" (Delhumeau et al. 2013): residuals normalised one by one, each word's block
normalised on its own (intra-normalisation), signed square root (power normalisation), then
a PCA-whitening learned at training time (Jegou & Chum 2012) that brings the ``words x 128``
dimensions down to :attr:`Codebook.dims`. A query (a crop of the object) is described as a
whole (:func:`describe_query`). Similarity is the inner product of unit vectors.

:class:`ObjectIndex` holds the vectors of many images under int64 image ids (several
vectors per image) and answers with the best region per image. Small collections use an
exact flat index; once it holds :attr:`ObjectIndex.ivf_min_vectors` vectors (enough to train
the quantisers) it is rebuilt once as an OPQ-rotated inverted file with product
quantisation (``OPQ{m},IVF{nlist},PQ{m}``), a few dozen bytes per vector, searched by
probing :attr:`ObjectIndex.nprobe` lists: no per-image Python work at query time.

The answer is a candidate list: geometric verification (``search.verify``) decides.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import secrets
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import faiss
import numpy as np
import numpy.typing as npt

from traceobject.search.pdq_index import fsync_dir
from traceobject.vision.features import LocalFeatures, rootsift

__all__ = [
    "CODEBOOK_VERSION",
    "INDEX_VERSION",
    "REGIONS",
    "Codebook",
    "IndexFileError",
    "ObjectIndex",
    "describe",
    "describe_query",
    "train_codebook",
]

INDEX_VERSION: Final = 1
CODEBOOK_VERSION: Final = 1

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

#: Default vocabulary size and output dimension (chosen by measurement, see the README).
DEFAULT_WORDS: Final = 64
DEFAULT_DIMS: Final = 256

#: The regions described besides the whole picture, as (columns, rows, relative size):
#: a grid of ``columns x rows`` overlapping windows, each ``size`` of the picture's width and
#: height, spread evenly from edge to edge.
REGIONS: Final[tuple[tuple[int, int, float], ...]] = ((2, 2, 0.6), (3, 3, 0.4))
#: A region with fewer features than this gets no vector of its own.
MIN_REGION_FEATURES: Final = 12
#: Power normalisation exponent (signed power; 0.5 is the signed square root).
POWER: Final = 0.5
#: Whitening exponent on the PCA eigenvalues (-0.5 is full whitening).
WHITEN_POWER: Final = -0.5
RESIDUAL_NORM = True
QUERY_SCALES: tuple[float, ...] = ()
DB_COARSE = 0.0
MIN_QUERY_FEATURES = 8
DB_ASSIGN = 1
QUERY_ASSIGN = 1

_CODEBOOK_MAGIC: Final = b"TOCODEBK"
_INDEX_FORMAT: Final = "traceobject-object-index"
_INDEX_FILE: Final = "index.faiss"
_IMAGES_FILE: Final = "images.npy"
_META_FILE: Final = "meta.json"
#: Most vectors (regions) a search considers per wanted image before merging by image.
_FETCH_PER_IMAGE: Final = 16
_MAX_K: Final = 10_000
_MAX_PCA_SAMPLE: Final = 4_000


class IndexFileError(ValueError):
    """A codebook or index file is damaged, truncated, of another version or not ours."""


# --------------------------------------------------------------------------- the codebook


@dataclass(frozen=True, eq=False)
class Codebook:
    """Visual words and the PCA-whitening of the aggregated vectors.

    ``words`` (k, 128) float32 k-means centroids of RootSIFT descriptors; ``mean``
    (k*128,) and ``projection`` (k*128, dims) float32: ``(v - mean) @ projection`` is the
    whitened vector. ``key`` identifies the codebook (vectors of two codebooks never mix).
    """

    words: FloatArray
    mean: FloatArray
    projection: FloatArray
    key: str = field(default="")
    _quantizer: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        k = self.words.shape[0]
        if self.words.shape != (k, 128) or k < 2:
            raise ValueError("words must be (k >= 2, 128)")
        if self.mean.shape != (k * 128,) or self.projection.shape[0] != k * 128:
            raise ValueError("mean/projection do not match the words")
        for a in (self.words, self.mean, self.projection):
            if a.dtype != np.float32 or not np.isfinite(a).all():
                raise ValueError("codebook arrays must be finite float32")
        if not self.key:
            object.__setattr__(self, "key", _digest(self._payload())[:16])
        quantizer = faiss.IndexFlatL2(128)
        quantizer.add(np.ascontiguousarray(self.words))
        object.__setattr__(self, "_quantizer", quantizer)

    @property
    def n_words(self) -> int:
        return int(self.words.shape[0])

    @property
    def dims(self) -> int:
        """Dimension of the vectors :func:`describe` returns."""
        return int(self.projection.shape[1])

    @property
    def nbytes(self) -> int:
        return int(self.words.nbytes + self.mean.nbytes + self.projection.nbytes)

    def assign(self, descriptors: FloatArray, nearest: int = 1) -> IntArray:
        """The ``nearest`` closest words of each RootSIFT descriptor: (n, nearest)."""
        if descriptors.shape[0] == 0:
            return np.empty((0, nearest), dtype=np.int64)
        _, idx = self._quantizer.search(
            np.ascontiguousarray(descriptors, dtype=np.float32), nearest
        )
        result: IntArray = idx.astype(np.int64)
        return result

    def _payload(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, words=self.words, mean=self.mean, projection=self.projection)
        return buf.getvalue()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the codebook to file ``path`` (atomically: temporary file, then rename)."""
        payload = self._payload()
        header = json.dumps(
            {"version": CODEBOOK_VERSION, "key": self.key, "sha256": _digest(payload)}
        ).encode()
        target = Path(path)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(_CODEBOOK_MAGIC + len(header).to_bytes(4, "big") + header + payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(target.parent)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Codebook:
        """Read a codebook written by :meth:`save`; :class:`IndexFileError` when damaged."""
        data = Path(path).read_bytes()
        return cls.from_bytes(data, name=str(path))

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "codebook") -> Codebook:
        start = len(_CODEBOOK_MAGIC) + 4
        if len(data) < start or not data.startswith(_CODEBOOK_MAGIC):
            raise IndexFileError(f"{name}: not a codebook file")
        size = int.from_bytes(data[len(_CODEBOOK_MAGIC) : start], "big")
        if size > 4096 or len(data) < start + size:
            raise IndexFileError(f"{name}: truncated codebook header")
        try:
            header = json.loads(data[start : start + size])
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IndexFileError(f"{name}: unreadable codebook header") from exc
        if not isinstance(header, dict) or header.get("version") != CODEBOOK_VERSION:
            raise IndexFileError(f"{name}: codebook of another version")
        payload = data[start + size :]
        if header.get("sha256") != _digest(payload):
            raise IndexFileError(f"{name}: codebook checksum does not match (damaged file)")
        try:
            with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
                words, mean, projection = arrays["words"], arrays["mean"], arrays["projection"]
            book = cls(words=words, mean=mean, projection=projection, key=str(header["key"]))
        except (ValueError, KeyError, OSError, EOFError) as exc:
            raise IndexFileError(f"{name}: unreadable codebook ({exc})") from exc
        if book.key != _digest(book._payload())[:16]:
            raise IndexFileError(f"{name}: codebook key does not match its content")
        return book


def train_codebook(
    sample: npt.ArrayLike,
    *,
    words: int = DEFAULT_WORDS,
    dims: int = DEFAULT_DIMS,
    seed: int = 0,
    pictures: Sequence[LocalFeatures] | None = None,
) -> Codebook:
    """Learn a codebook from ``sample``, an (n, 128) float32 array of RootSIFT descriptors.

    The words are k-means centroids of the sample (``faiss.Kmeans``; at most 256 points per
    word are used). The PCA-whitening is learned from the aggregated vectors (whole picture
    and regions, as :func:`describe` makes them) of ``pictures``, a sample of the corpus's
    pictures' features; without pictures, from random groups of the sample's descriptors
    (a weaker stand-in: real pictures repeat their own patterns). ``dims`` is lowered to
    what the data supports (fewer than ``dims`` training vectors).
    """
    x = np.ascontiguousarray(np.asarray(sample, dtype=np.float32))
    if x.ndim != 2 or x.shape[1] != 128:
        raise ValueError("the sample must be an (n, 128) array of RootSIFT descriptors")
    if not np.isfinite(x).all():
        raise ValueError("the sample holds non-finite values")
    if words < 2 or x.shape[0] < words * 4:
        raise ValueError(f"{x.shape[0]} descriptors cannot train {words} words (need 4 per word)")
    if dims < 2:
        raise ValueError("dims must be at least 2")
    kmeans = faiss.Kmeans(128, words, niter=25, seed=seed, max_points_per_centroid=256)
    kmeans.train(x)
    centroids = np.ascontiguousarray(kmeans.centroids, dtype=np.float32)
    full = words * 128
    identity = Codebook(
        words=centroids,
        mean=np.zeros(full, dtype=np.float32),
        projection=np.zeros((full, 1), dtype=np.float32),
    )
    rng = np.random.default_rng(seed)
    if pictures:
        raw = [_raw_regions(identity, f, regions=True) for f in pictures]
        vectors = np.concatenate([r for r in raw if r.shape[0]]
                                 or [np.zeros((0, full), dtype=np.float32)])
    else:
        vectors = _pseudo_regions(identity, x, rng)
    if vectors.shape[0] > _MAX_PCA_SAMPLE:
        vectors = vectors[rng.choice(vectors.shape[0], _MAX_PCA_SAMPLE, replace=False)]
    if vectors.shape[0] < 3:
        raise ValueError("too few aggregated vectors to learn the whitening")
    mean, projection = _pca_whitening(vectors.astype(np.float64), dims)
    return Codebook(words=centroids, mean=mean, projection=projection)


def _pseudo_regions(book: Codebook, x: FloatArray, rng: np.random.Generator) -> FloatArray:
    n = x.shape[0]
    count = min(_MAX_PCA_SAMPLE, max(8, n // 50))
    out = []
    for _ in range(count):
        m = int(rng.integers(MIN_REGION_FEATURES, max(MIN_REGION_FEATURES + 1, min(n, 600))))
        d = x[rng.choice(n, min(m, n), replace=False)]
        whole = [np.ones(d.shape[0], dtype=bool)]
        out.append(_aggregate(book, d, book.assign(d, DB_ASSIGN), whole))
    return np.concatenate(out)


def _pca_whitening(vectors: npt.NDArray[np.float64], dims: int) -> tuple[FloatArray, FloatArray]:
    """PCA on ``vectors`` (n, d) through the n x n Gram matrix (n << d); whitening."""
    mean = vectors.mean(axis=0)
    centred = vectors - mean
    gram = centred @ centred.T
    eigval, eigvec = np.linalg.eigh(gram)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = eigval[order], eigvec[:, order]
    keep = int(np.sum(eigval > eigval[0] * 1e-9))
    dims = min(dims, keep, vectors.shape[1])
    eigval, eigvec = eigval[:dims], eigvec[:, :dims]
    # principal directions in the input space: centred.T @ u / sqrt(lambda)
    directions = centred.T @ eigvec / np.sqrt(eigval)
    variance = eigval / max(vectors.shape[0] - 1, 1)
    projection = directions * (variance + variance[0] * 1e-3) ** WHITEN_POWER
    return mean.astype(np.float32), np.ascontiguousarray(projection, dtype=np.float32)


# --------------------------------------------------------------------------- description


def _region_masks(xy: FloatArray, width: int, height: int) -> list[npt.NDArray[np.bool_]]:
    """Membership of each feature in the whole picture and in each grid region."""
    masks = [np.ones(xy.shape[0], dtype=bool)]
    w, h = max(width, 1), max(height, 1)
    x, y = xy[:, 0] / w, xy[:, 1] / h
    for cols, rows, size in REGIONS:
        xs = np.linspace(0.0, 1.0 - size, cols) if cols > 1 else np.array([(1.0 - size) / 2])
        ys = np.linspace(0.0, 1.0 - size, rows) if rows > 1 else np.array([(1.0 - size) / 2])
        for y0 in ys:
            iy = (y >= y0) & (y < y0 + size)
            for x0 in xs:
                masks.append(iy & (x >= x0) & (x < x0 + size))
    return masks


def _aggregate(
    book: Codebook,
    descriptors: FloatArray,
    assignment: IntArray,
    masks: Sequence[npt.NDArray[np.bool_]],
) -> FloatArray:
    """Raw (un-projected) normalised VLAD of each mask's features: (len(masks), k*128)."""
    k = book.n_words
    per = assignment.shape[1]
    if per > 1:
        masks = [np.repeat(m, per) for m in masks]
    descriptors = np.repeat(descriptors, per, axis=0)
    assignment = assignment.reshape(-1)
    residuals = descriptors - book.words[assignment]
    if RESIDUAL_NORM:
        norms = np.linalg.norm(residuals, axis=1, keepdims=True)
        residuals = residuals / np.maximum(norms, 1e-12)
    out = np.zeros((len(masks), k, 128), dtype=np.float32)
    for r, mask in enumerate(masks):
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            continue
        words = assignment[idx]
        order = np.argsort(words, kind="stable")
        words, idx = words[order], idx[order]
        starts = np.flatnonzero(np.r_[True, words[1:] != words[:-1]])
        out[r, words[starts]] = np.add.reduceat(residuals[idx], starts, axis=0)
    # intra-normalisation, power normalisation, global L2
    block = np.linalg.norm(out, axis=2, keepdims=True)
    out /= np.maximum(block, 1e-12)
    flat = out.reshape(len(masks), k * 128)
    flat = (np.sign(flat) * np.abs(flat) ** POWER).astype(np.float32)
    flat /= np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12)
    result: FloatArray = flat.astype(np.float32, copy=False)
    return result


def _raw_regions(book: Codebook, features: LocalFeatures, *, regions: bool) -> FloatArray:
    n = len(features)
    if n == 0:
        return np.zeros((0, book.n_words * 128), dtype=np.float32)
    descriptors = rootsift(features.descriptors)
    assignment = book.assign(descriptors, DB_ASSIGN if regions else QUERY_ASSIGN)
    if regions:
        masks = _region_masks(
            np.asarray(features.xy, dtype=np.float32), features.width, features.height
        )
        masks = masks[:1] + [m for m in masks[1:] if m.sum() >= MIN_REGION_FEATURES]
        if DB_COARSE:
            sizes = np.asarray(features.size, dtype=np.float32)
            coarse = sizes * DB_COARSE >= np.percentile(sizes, 1)
            if coarse.sum() >= MIN_REGION_FEATURES:
                masks.append(coarse)
        masks = _distinct(masks)
    else:
        masks = [np.ones(n, dtype=bool)]
    return _aggregate(book, descriptors, assignment, masks)


def _distinct(masks: list[npt.NDArray[np.bool_]]) -> list[npt.NDArray[np.bool_]]:
    seen: set[bytes] = set()
    out = []
    for m in masks:
        key = np.packbits(m).tobytes()
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _project(book: Codebook, raw: FloatArray) -> FloatArray:
    v = (raw - book.mean) @ book.projection
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    result: FloatArray = np.ascontiguousarray(v, dtype=np.float32)
    return result


def describe(codebook: Codebook, features: LocalFeatures) -> FloatArray:
    """The vectors of one picture for the index: (r, dims) float32 unit rows.

    Row 0 describes the whole picture; the others the regions of :data:`REGIONS` holding at
    least :data:`MIN_REGION_FEATURES` features (regions with the same features once). A
    picture without features gives (0, dims).
    """
    return _project(codebook, _raw_regions(codebook, features, regions=True))


def describe_query(codebook: Codebook, features: LocalFeatures) -> FloatArray:
    """The vector of a query (a crop, a region) as a whole: (1, dims), or (0, dims) when
    the picture has no features."""
    raw = _raw_regions(codebook, features, regions=False)
    if raw.shape[0] == 0 or len(QUERY_SCALES) == 0:
        return _project(codebook, raw)
    sizes = np.asarray(features.size, dtype=np.float32)
    smallest = float(np.percentile(sizes, 1))
    rows = [raw]
    for s in QUERY_SCALES:
        keep = sizes * s >= smallest
        if keep.sum() >= MIN_QUERY_FEATURES and not keep.all():
            rows.append(_raw_regions(codebook, features.select(keep), regions=False))
    return _project(codebook, np.concatenate(rows))


# --------------------------------------------------------------------------- the index


class _ReadWriteLock:
    """Many readers or one writer."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


def _nlist_for(n_vectors: int) -> int:
    """Inverted lists for ``n_vectors``: a power of two near 4 sqrt(n), 39+ vectors each."""
    target = min(4 * math.sqrt(n_vectors), n_vectors / 39)
    return int(max(16, 2 ** math.floor(math.log2(max(target, 16)))))


class ObjectIndex:
    """Region vectors of many images under int64 image ids; best region per image.

    ``dims`` is the codebook's output dimension and ``codebook_key`` its key (stored with
    the index so that a search never mixes codebooks). ``pq_bytes`` is the code size per
    vector once the index is quantised (``dims`` must be a multiple of it), ``nprobe`` the
    number of inverted lists a search visits, ``ivf_min_vectors`` the size at which the
    exact flat index is replaced by the quantised inverted file.

    Thread safety: searches run in parallel; adds, removals and saves wait for them.
    """

    def __init__(
        self,
        dims: int,
        *,
        codebook_key: str = "",
        pq_bytes: int = 32,
        nprobe: int = 32,
        ivf_min_vectors: int = 50_000,
    ) -> None:
        if dims < 1 or pq_bytes < 1 or dims % pq_bytes:
            raise ValueError("dims must be a positive multiple of pq_bytes")
        if nprobe < 1 or ivf_min_vectors < 10_000:
            raise ValueError("nprobe must be >= 1 and ivf_min_vectors >= 10000")
        self.dims = dims
        self.codebook_key = codebook_key
        self.pq_bytes = pq_bytes
        self.ivf_min_vectors = ivf_min_vectors
        self._nprobe = nprobe
        self._index: Any = faiss.IndexIDMap(faiss.IndexFlatIP(dims))
        self._images: IntArray = np.empty(0, dtype=np.int64)
        self._max_id = -1
        self.watermark = -1
        self._trained_on = 0
        self._lock = _ReadWriteLock()

    # ----------------------------------------------------------------- size

    def __len__(self) -> int:
        """Images with at least one vector."""
        return int(self._images.shape[0])

    @property
    def vectors(self) -> int:
        return int(self._index.ntotal)

    @property
    def max_id(self) -> int:
        """Highest image id ever added (-1 for none): the caller's watermark of what is in."""
        return self._max_id

    @property
    def quantised(self) -> bool:
        """True once the vectors are in the inverted file with product quantisation."""
        return not isinstance(self._index, faiss.IndexIDMap)

    @property
    def nprobe(self) -> int:
        return self._nprobe

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        if value < 1:
            raise ValueError("nprobe must be >= 1")
        self._nprobe = value
        if self.quantised:
            faiss.extract_index_ivf(self._index).nprobe = value

    @property
    def nbytes(self) -> int:
        """Bytes held by the index in memory (codes, ids, quantisers; excluding Python)."""
        with self._lock.read():
            n = self._index.ntotal
            if not self.quantised:
                return int(n * (self.dims * 4 + 8) + self._images.nbytes)
            ivf = faiss.extract_index_ivf(self._index)
            fixed = ivf.nlist * self.dims * 4 + self.dims * 256 * 4 + self.dims * self.dims * 4
            return int(n * (ivf.code_size + 8) + fixed + self._images.nbytes)

    @property
    def bytes_per_image(self) -> float:
        return self.nbytes / max(len(self), 1)

    def stats(self) -> dict[str, Any]:
        """Figures for status pages and benchmarks."""
        out: dict[str, Any] = {
            "images": len(self),
            "vectors": self.vectors,
            "dims": self.dims,
            "max_id": self.max_id,
            "watermark": self.watermark,
            "kind": "ivfpq" if self.quantised else "flat",
            "nbytes": self.nbytes,
            "bytes_per_image": round(self.bytes_per_image, 1),
            "codebook_key": self.codebook_key,
        }
        if self.quantised:
            ivf = faiss.extract_index_ivf(self._index)
            out |= {"nlist": int(ivf.nlist), "nprobe": int(ivf.nprobe),
                    "code_bytes": int(ivf.code_size), "trained_on": self._trained_on}
        return out

    # ----------------------------------------------------------------- writes

    def add(
        self, ids: npt.ArrayLike, vectors: Sequence[npt.ArrayLike] | npt.NDArray[Any]
    ) -> int:
        """Add the vectors of images; return how many vectors were added.

        ``vectors`` is either a list with one (r_i, dims) array per id (what
        :func:`describe` returns; r_i may be 0), or one (n, dims) array with one row per id.
        Ids are int64 >= 0; an id added again keeps its earlier vectors too.
        """
        id_arr = np.asarray(ids)
        if id_arr.ndim != 1 or (id_arr.size and not np.issubdtype(id_arr.dtype, np.integer)):
            raise ValueError("ids must be a 1-D integer array")
        id_arr = id_arr.astype(np.int64)
        if isinstance(vectors, np.ndarray) and vectors.ndim == 2:
            rows = vectors
            if rows.shape[0] != id_arr.shape[0]:
                raise ValueError(f"{id_arr.shape[0]} ids for {rows.shape[0]} vectors")
            row_ids = id_arr
        else:
            parts = [np.asarray(v, dtype=np.float32) for v in vectors]
            if len(parts) != id_arr.shape[0]:
                raise ValueError(f"{id_arr.shape[0]} ids for {len(parts)} vector sets")
            if any(p.ndim != 2 for p in parts):
                raise ValueError("each image's vectors must be a 2-D array")
            counts = np.array([p.shape[0] for p in parts], dtype=np.int64)
            row_ids = np.repeat(id_arr, counts)
            rows = (
                np.concatenate(parts) if parts else np.zeros((0, self.dims), dtype=np.float32)
            )
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.dims:
            raise ValueError(f"vectors must have {self.dims} columns")
        if not np.isfinite(rows).all():
            raise ValueError("vectors hold non-finite values")
        if id_arr.size and id_arr.min() < 0:
            raise ValueError("image ids must be >= 0")
        with self._lock.write():
            if id_arr.size:
                self._max_id = max(self._max_id, int(id_arr.max()))
            if rows.shape[0] == 0:
                return 0
            self._index.add_with_ids(rows, row_ids)
            self._images = np.union1d(self._images, row_ids)
            if not self.quantised and self._index.ntotal >= self.ivf_min_vectors:
                self._quantise()
        return int(rows.shape[0])

    def remove(self, ids: npt.ArrayLike) -> int:
        """Remove every vector of the images ``ids``; return how many vectors went."""
        id_arr = np.unique(np.asarray(ids, dtype=np.int64))
        with self._lock.write():
            removed = int(self._index.remove_ids(id_arr)) if id_arr.size else 0
            self._images = np.setdiff1d(self._images, id_arr, assume_unique=True)
        return removed

    def _quantise(self) -> None:
        """Replace the flat index by OPQ + IVF + PQ trained on the vectors it holds."""
        flat = self._index
        n = flat.ntotal
        codes = faiss.downcast_index(flat.index).get_xb()  # type: ignore[attr-defined]
        xb = faiss.rev_swig_ptr(codes, n * self.dims)
        xb = np.array(xb, dtype=np.float32).reshape(n, self.dims)
        ids = faiss.vector_to_array(flat.id_map).astype(np.int64)
        nlist = _nlist_for(n)
        m = self.pq_bytes
        index = faiss.index_factory(
            self.dims, f"OPQ{m},IVF{nlist},PQ{m}", faiss.METRIC_INNER_PRODUCT
        )
        rng = np.random.default_rng(0)
        train = xb if n <= 256 * nlist else xb[rng.choice(n, 256 * nlist, replace=False)]
        index.train(train)
        index.add_with_ids(xb, ids)
        faiss.extract_index_ivf(index).nprobe = self._nprobe
        self._index = index
        self._trained_on = int(train.shape[0])

    # ----------------------------------------------------------------- reads

    def search(self, query: npt.ArrayLike, k: int = 100) -> list[tuple[int, float]]:
        """Best ``k`` images for a query vector ((dims,) or (1, dims)): ``[(id, score)]``,
        best first; the score is the inner product of the image's best region with the
        query (about 1 for the same picture, near 0 for unrelated ones)."""
        q = np.asarray(query, dtype=np.float32)
        if q.ndim == 2 and q.shape[0] == 0:
            return []
        if q.ndim == 2 and q.shape[0] > 1:
            hits = [h for r in self.search_many(q, k) for h in r]
            return _merge_hits(hits, k)
        return self.search_many(q.reshape(1, -1), k)[0]

    def search_many(self, queries: npt.ArrayLike, k: int = 100) -> list[list[tuple[int, float]]]:
        """:meth:`search` for each row of ``queries`` (nq, dims)."""
        q = np.ascontiguousarray(np.asarray(queries, dtype=np.float32))
        if q.ndim != 2 or q.shape[1] != self.dims:
            raise ValueError(f"queries must be (n, {self.dims})")
        if not np.isfinite(q).all():
            raise ValueError("queries hold non-finite values")
        if not 1 <= k <= _MAX_K:
            raise ValueError(f"k must be within 1..{_MAX_K}")
        with self._lock.read():
            n = self._index.ntotal
            if n == 0 or q.shape[0] == 0:
                return [[] for _ in range(q.shape[0])]
            fetch = min(n, k * _FETCH_PER_IMAGE)
            scores, ids = self._index.search(q, fetch)
        return [_best_per_image(ids[i], scores[i], k) for i in range(q.shape[0])]

    # ----------------------------------------------------------------- persistence

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write the index as folder ``folder``: a new folder is written next to it, synced
        and renamed into place, so a reader sees the old index or the new one."""
        target = Path(folder)
        parent = target.parent
        parent.mkdir(parents=True, exist_ok=True)
        tag = secrets.token_hex(4)
        new = parent / f".{target.name}.new-{tag}"
        new.mkdir()
        try:
            with self._lock.read():
                faiss.write_index(self._index, str(new / _INDEX_FILE))
                np.save(new / _IMAGES_FILE, self._images, allow_pickle=False)
                meta = {
                    "format": _INDEX_FORMAT,
                    "version": INDEX_VERSION,
                    "dims": self.dims,
                    "codebook_key": self.codebook_key,
                    "pq_bytes": self.pq_bytes,
                    "nprobe": self._nprobe,
                    "ivf_min_vectors": self.ivf_min_vectors,
                    "max_id": self._max_id,
                    "watermark": self.watermark,
                    "images": len(self),
                    "vectors": int(self._index.ntotal),
                    "quantised": self.quantised,
                    "trained_on": self._trained_on,
                }
            meta["files"] = {
                name: _file_digest(new / name) for name in (_INDEX_FILE, _IMAGES_FILE)
            }
            for name in (_INDEX_FILE, _IMAGES_FILE):
                _fsync_file(new / name)
            meta_bytes = json.dumps(meta, indent=1).encode()
            with open(new / _META_FILE, "wb") as fh:
                fh.write(meta_bytes)
                fh.flush()
                os.fsync(fh.fileno())
            fsync_dir(new)
            old = parent / f".{target.name}.old-{tag}"
            if target.exists():
                os.rename(target, old)
            os.rename(new, target)
            fsync_dir(parent)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        return target

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> ObjectIndex:
        """Read an index written by :meth:`save`.

        ``FileNotFoundError`` when there is none; :class:`IndexFileError` when it is
        damaged (a checksum, a size or the format does not match). A save that was
        interrupted between its two renames is recovered from the previous folder.
        """
        target = Path(folder)
        if not target.exists():
            _recover(target)
        for attempt in range(3):
            identity = _identity(target)
            try:
                return cls._load(target)
            except (OSError, IndexFileError):
                # a save replaced the folder while we read it: read the new one
                if attempt == 2 or _identity(target) == identity:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _load(cls, target: Path) -> ObjectIndex:
        try:
            meta = json.loads((target / _META_FILE).read_bytes())
        except FileNotFoundError:
            if not target.exists():
                raise
            raise IndexFileError(f"{target}: no {_META_FILE}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IndexFileError(f"{target}: unreadable {_META_FILE}") from exc
        if not isinstance(meta, dict) or meta.get("format") != _INDEX_FORMAT:
            raise IndexFileError(f"{target}: not an object index")
        if meta.get("version") != INDEX_VERSION:
            raise IndexFileError(f"{target}: object index of another version")
        files = meta.get("files")
        if not isinstance(files, dict):
            raise IndexFileError(f"{target}: no checksums")
        for name in (_INDEX_FILE, _IMAGES_FILE):
            path = target / name
            if not path.is_file() or _file_digest(path) != files.get(name):
                raise IndexFileError(f"{target}: {name} is missing or damaged")
        try:
            index = cls(
                int(meta["dims"]),
                codebook_key=str(meta["codebook_key"]),
                pq_bytes=int(meta["pq_bytes"]),
                nprobe=int(meta["nprobe"]),
                ivf_min_vectors=int(meta["ivf_min_vectors"]),
            )
            inner = faiss.read_index(str(target / _INDEX_FILE))
            images = np.load(target / _IMAGES_FILE, allow_pickle=False)
            index._max_id = int(meta["max_id"])
            index.watermark = int(meta["watermark"])
            index._trained_on = int(meta["trained_on"])
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise IndexFileError(f"{target}: unreadable object index ({exc})") from exc
        if (
            inner.d != index.dims
            or inner.ntotal != meta.get("vectors")
            or images.dtype != np.int64
            or images.ndim != 1
            or images.shape[0] != meta.get("images")
            or bool(meta.get("quantised")) == isinstance(inner, faiss.IndexIDMap)
        ):
            raise IndexFileError(f"{target}: inconsistent object index")
        index._index = inner
        index._images = images
        if index.quantised:
            faiss.extract_index_ivf(inner).nprobe = index._nprobe
        return index


def _best_per_image(ids: IntArray, scores: FloatArray, k: int) -> list[tuple[int, float]]:
    valid = ids >= 0
    ids, scores = ids[valid], scores[valid]
    if ids.size == 0:
        return []
    # faiss answers best first: the first occurrence of an id is its best region
    unique, first = np.unique(ids, return_index=True)
    best = scores[first]
    order = np.lexsort((unique, -best))[:k]
    return [(int(i), float(s)) for i, s in zip(unique[order], best[order], strict=True)]


def _merge_hits(hits: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
    best: dict[int, float] = {}
    for ident, score in hits:
        if score > best.get(ident, -np.inf):
            best[ident] = score
    return sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]


# --------------------------------------------------------------------------- files


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _recover(target: Path) -> None:
    """Put back the previous folder of a save interrupted between its two renames."""
    olds = sorted(
        target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime
    )
    if olds and (olds[-1] / _META_FILE).is_file():
        os.rename(olds[-1], target)
