"""Same-object first stage: FAISS IVF-PQ against Milvus Lite at 1 M vectors.

    python bench/bench_object_engines.py [--n 1000000] [--dim 256] [--queries 200] [--smoke]

Issue 21 asks to choose the first-stage engine by measurement at 1 M vectors: FAISS inverted
lists with product quantisation in our own process (sharded by image id range past one
machine), or an existing vector engine with an embedded mode (Milvus Lite, the same client as
a Milvus cluster). Both get the same vectors and the same queries:

* the vectors: ``n`` unit vectors of ``dim`` dimensions drawn around 1,000 cluster centres
  (within a cluster the cosine is about 0.35, between clusters about 0), like aggregated
  region descriptors after whitening; for each of ``queries`` query vectors 10 near
  neighbours are planted at cosines 0.55-0.95, so that the true top 10 is known and recall
  means something;
* the ground truth: exact inner-product search (``faiss.knn``, one thread), also the speed
  baseline (``exact_query_ms_*``);
* FAISS: ``index_factory(dim, "IVF<nlist>,PQ<m>np")`` (inner product) with the parameters
  search/objects.py uses at 1 M vectors (256 dimensions, 32-byte codes, 2048 lists, 32
  probed), trained on a sample (``--train``; the index itself trains on 256 vectors a
  list). search/objects.py puts an OPQ rotation in front (``OPQ<m>,IVF...``): on these
  isotropic vectors a rotation changes nothing but the training time (50 rounds of PQ
  training on up to 65,536 vectors: minutes on one core), so the default run leaves it out;
  ``--opq`` measures it. ``np``: no polysemous training, which
  ``index_factory`` otherwise does for 8-bit PQ and which is what makes training slow
  (measured: 145 s instead of 3.7 s for PQ32 on 20,000 vectors of 256 dimensions), and is
  only used by polysemous search; for reference ``IVF<nlist>,Flat``, the kind of
  index Milvus Lite runs, in the same process;
* Milvus Lite (pymilvus ``MilvusClient`` on a local ``.db`` file; it starts its own server
  process, the ``milvus`` binary of the milvus-lite wheel): the collection is filled in
  batches of ``--milvus-batch`` rows (500: larger batches are much slower per row in Milvus
  Lite, measured: 2,000 0.3 ms a row, 10,000 several ms), then indexed ``IVF_FLAT`` (Milvus
  Lite refuses every other index kind: ``IVF_PQ``, ``IVF_SQ8``, ``HNSW``; the run records its
  answer) with the same ``nlist`` and ``nprobe``, and loaded.

Figures for each engine: build time (training + adding; for Milvus: inserting, indexing and
loading), query latency one query at a time (p50, p99 over every query of every round) and
batched (all queries in one call, time per query), CPU time per query (the server process's
included), recall@10 against exact search, planted neighbours found in the top 10, memory
(FAISS: the index's arrays, which are its serialised size; Milvus: the RSS growth of its
server process, per vector) and bytes per vector on disk (the serialised FAISS index; the
Milvus ``.db`` file). Timing rounds alternate the engines so
that background load hits both alike. FAISS runs one thread (``omp_set_num_threads(1)``);
Milvus Lite gets ``OMP_NUM_THREADS=1`` and its CPU time is read from ``/proc``.

Prints ``figure<TAB>value<TAB>baseline<TAB>ratio`` lines (ratio = value / baseline) and ``#``
notes (bench/README.md). ``--smoke``: 20,000 vectors, a few seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

K = 10
PLANTED = 10

# ----------------------------------------------------------------------------- data


def make_vectors(
    n: int, dim: int, queries: int, *, seed: int = 1, clusters: int = 1000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(base (n, dim), queries (q, dim), planted ids (q, PLANTED))``, float32 unit rows."""
    rng = np.random.default_rng(seed)
    clusters = min(clusters, max(1, n // 20))
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    spread = 0.35  # share of a vector's energy that is its cluster's: within-cluster cos ~0.35

    def draw(count: int) -> np.ndarray:
        out = rng.standard_normal((count, dim), dtype=np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        out *= np.sqrt(1 - spread)
        out += np.sqrt(spread) * centres[rng.integers(0, clusters, count)]
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    base = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        base[start:stop] = draw(stop - start)
    qv = draw(queries)
    slots = rng.choice(n, size=(queries, PLANTED), replace=False)
    cosines = np.linspace(0.95, 0.55, PLANTED, dtype=np.float32)
    for i in range(queries):
        noise = rng.standard_normal((PLANTED, dim), dtype=np.float32)
        noise -= np.outer(noise @ qv[i], qv[i])  # orthogonal to the query
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        base[slots[i]] = cosines[:, None] * qv[i] + np.sqrt(1 - cosines**2)[:, None] * noise
    return base, qv, slots.astype(np.int64)


# ----------------------------------------------------------------------------- process facts


def rss_bytes(pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_count(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children_named(word: str) -> list[int]:
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == me and word.encode() in cmd:
            found.append(int(entry))
    return found


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# ----------------------------------------------------------------------------- engines


@dataclass
class Measured:
    name: str
    build_s: float = 0.0
    build_parts: dict[str, float] = field(default_factory=dict)
    single_ms: list[float] = field(default_factory=list)
    batched_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    batched_cpu_ms: list[float] = field(default_factory=list)
    recall: float = 0.0
    planted: float = 0.0
    memory_per_vector: float = 0.0
    disk_per_vector: float = 0.0
    notes: list[str] = field(default_factory=list)


class Engine:
    name = ""
    measured: Measured

    def search(self, queries: np.ndarray) -> np.ndarray:  # (q, K) ids, -1 where none
        raise NotImplementedError

    def cpu(self) -> float:
        return time.process_time()

    def close(self) -> None:
        pass


class FaissEngine(Engine):
    def __init__(self, name: str, factory: str, base: np.ndarray, *, train: int,
                 nprobe: int, seed: int, tmp: Path) -> None:
        import faiss

        self.name = name
        self.measured = m = Measured(name)
        n, dim = base.shape
        gc.collect()
        rss0 = rss_bytes()
        started = time.perf_counter()
        index = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
        sample = base[np.random.default_rng(seed).choice(n, min(n, train), replace=False)]
        t0 = time.perf_counter()
        index.train(sample)
        m.build_parts["train_s"] = time.perf_counter() - t0
        del sample
        t0 = time.perf_counter()
        for start in range(0, n, 100_000):
            index.add(base[start : start + 100_000])
        m.build_parts["add_s"] = time.perf_counter() - t0
        m.build_s = time.perf_counter() - started
        gc.collect()
        rss_growth = (rss_bytes() - rss0) / n
        faiss.extract_index_ivf(index).nprobe = nprobe
        path = tmp / f"{name}.faiss"
        faiss.write_index(index, str(path))
        m.disk_per_vector = path.stat().st_size / n
        # in memory the index is the same arrays as on disk (codes, ids, centroids); the RSS
        # growth of this process is only a note: freed training memory is reused by later
        # engines in the same process
        m.memory_per_vector = m.disk_per_vector
        path.unlink()
        m.notes.append(f"{name}: RSS growth while building {rss_growth:.1f} bytes a vector")
        m.notes.append(f"{name}: index_factory({dim}, {factory!r}, inner product), trained on "
                       f"{min(n, train)} vectors, nprobe={nprobe}, 1 thread")
        self.index = index

    def search(self, queries: np.ndarray) -> np.ndarray:
        _d, ids = self.index.search(np.ascontiguousarray(queries), K)
        return np.asarray(ids)


class MilvusEngine(Engine):
    collection = "objects"

    def __init__(self, base: np.ndarray, *, nlist: int, nprobe: int, batch: int,
                 tmp: Path) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # milvus_lite imports pkg_resources
            from pymilvus import DataType, MilvusClient
        self.name = "milvus_lite_ivfflat"
        self.measured = m = Measured(self.name)
        n, dim = base.shape
        self.db = tmp / "milvus.db"
        self.nprobe = nprobe
        self.client = MilvusClient(str(self.db))
        servers = children_named("milvus")
        if len(servers) != 1:
            raise RuntimeError(f"expected one Milvus Lite server process, found {servers}")
        self.server = servers[0]
        rss0 = rss_bytes(self.server)
        c = self.client
        m.notes.append(self._refusals(DataType, dim))
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=dim)
        c.create_collection(self.collection, schema=schema)
        client_cpu0, server_cpu0 = time.process_time(), cpu_seconds(self.server)
        started = time.perf_counter()
        for start in range(0, n, batch):
            stop = min(n, start + batch)
            c.insert(self.collection, [{"id": i, "v": base[i]} for i in range(start, stop)])
        m.build_parts["insert_s"] = time.perf_counter() - started
        m.build_parts["insert_client_cpu_s"] = time.process_time() - client_cpu0
        m.build_parts["insert_server_cpu_s"] = cpu_seconds(self.server) - server_cpu0
        t0 = time.perf_counter()
        params = c.prepare_index_params()
        params.add_index(field_name="v", index_type="IVF_FLAT", metric_type="IP",
                         params={"nlist": nlist})
        c.create_index(self.collection, params)
        c.load_collection(self.collection)
        self.search(base[:1])  # the first search waits for whatever loading is left
        m.build_parts["index_and_load_s"] = time.perf_counter() - t0
        m.build_s = time.perf_counter() - started
        m.memory_per_vector = (rss_bytes(self.server) - rss0) / n
        m.disk_per_vector = sum(p.stat().st_size for p in tmp.glob("*milvus*")
                                if p.is_file()) / n
        m.notes.append(
            f"{self.name}: Milvus Lite server pid {self.server} ({thread_count(self.server)} "
            f"threads), IVF_FLAT nlist={nlist} nprobe={nprobe}, inner product, inserted in "
            f"batches of {batch}; insert CPU: client {m.build_parts['insert_client_cpu_s']:.1f}"
            f" s, server {m.build_parts['insert_server_cpu_s']:.1f} s; server RSS "
            f"{rss_bytes(self.server) / 2**20:.0f} MiB after loading"
        )

    def _refusals(self, data_type: Any, dim: int) -> str:
        """Which index kinds Milvus Lite accepts, asked on a scratch collection."""
        c = self.client
        refused = []
        quiet = logging.getLogger("pymilvus")
        level, quiet.level = quiet.level, logging.CRITICAL  # it logs each refusal as an error
        for kind, params in (("IVF_PQ", {"nlist": 16, "m": 8, "nbits": 8}),
                             ("IVF_SQ8", {"nlist": 16}), ("HNSW", {"M": 16, "efConstruction": 64})):
            schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("id", data_type.INT64, is_primary=True)
            schema.add_field("v", data_type.FLOAT_VECTOR, dim=dim)
            index = c.prepare_index_params()
            index.add_index(field_name="v", index_type=kind, metric_type="IP", params=params)
            try:
                c.create_collection("scratch", schema=schema, index_params=index)
            except Exception as exc:  # the engine's own refusal is what is recorded
                refused.append(f"{kind}: {str(exc).split('message=')[-1].split(':')[0]}")
            finally:
                if c.has_collection("scratch"):
                    c.drop_collection("scratch")
        quiet.setLevel(level)
        return "milvus_lite refuses " + ("; ".join(refused) if refused else "nothing")

    def search(self, queries: np.ndarray) -> np.ndarray:
        hits = self.client.search(
            self.collection, data=list(queries), limit=K, anns_field="v",
            search_params={"metric_type": "IP", "params": {"nprobe": self.nprobe}},
        )
        out = np.full((len(queries), K), -1, dtype=np.int64)
        for i, row in enumerate(hits):
            ids = [int(h["id"]) for h in row][:K]
            out[i, : len(ids)] = ids
        return out

    def cpu(self) -> float:
        return time.process_time() + cpu_seconds(self.server)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        with contextlib.suppress(Exception):
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(str(self.db))


class ExactEngine(Engine):
    name = "exact"

    def __init__(self, base: np.ndarray) -> None:
        self.base = base
        self.measured = Measured(self.name, recall=1.0)

    def search(self, queries: np.ndarray) -> np.ndarray:
        import faiss

        _d, ids = faiss.knn(np.ascontiguousarray(queries), self.base, K,
                            metric=faiss.METRIC_INNER_PRODUCT)
        return np.asarray(ids)


# ----------------------------------------------------------------------------- measuring


def time_queries(engine: Engine, queries: np.ndarray) -> None:
    m = engine.measured
    cpu0 = engine.cpu()
    for q in queries:
        t0 = time.perf_counter()
        engine.search(q[None, :])
        m.single_ms.append((time.perf_counter() - t0) * 1000)
    m.cpu_ms.append((engine.cpu() - cpu0) * 1000 / len(queries))
    cpu0 = engine.cpu()
    t0 = time.perf_counter()
    engine.search(queries)
    m.batched_ms.append((time.perf_counter() - t0) * 1000 / len(queries))
    m.batched_cpu_ms.append((engine.cpu() - cpu0) * 1000 / len(queries))


def score(engine: Engine, queries: np.ndarray, truth: np.ndarray, planted: np.ndarray) -> None:
    found = engine.search(queries)
    m = engine.measured
    m.recall = float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))
    m.planted = float(np.mean([len(set(f) & set(p)) / PLANTED
                               for f, p in zip(found, planted, strict=True)]))


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """SIGTERM (bench/run.py forwards it) unwinds like Ctrl-C so the server and files go."""
    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="vectors in the index")
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--nlist", type=int, default=2048,
                        help="inverted lists (both engines; search/objects.py: 2048 at 1 M)")
    parser.add_argument("--nprobe", type=int, default=32, help="lists visited (both engines)")
    parser.add_argument("--pq", type=int, default=32, help="PQ bytes per vector (FAISS)")
    parser.add_argument("--factory",
                        help="FAISS index_factory string (default IVF<nlist>,PQ<pq>np)")
    parser.add_argument("--opq", action="store_true",
                        help="an OPQ rotation in front, as search/objects.py has")
    parser.add_argument("--train", type=int, default=100_000, help="FAISS training sample")
    parser.add_argument("--milvus-batch", type=int, default=500, help="rows per Milvus insert")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds")
    parser.add_argument("--exact-queries", type=int, default=20,
                        help="queries a round timed on the exact baseline (it is slow)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-milvus", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="20,000 vectors, a few seconds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.queries, args.rounds, args.nlist, args.train = 20_000, 40, 2, 128, 5_000
        args.exact_queries = 10
    if args.queries * PLANTED > args.n:
        parser.error("--n must hold --queries x 10 planted neighbours")

    import faiss

    faiss.omp_set_num_threads(1)
    args.started = time.perf_counter()
    print(f"# load average {os.getloadavg()[0]:.1f} at the start (2 cores shared)", flush=True)
    opq = f"OPQ{args.pq}," if args.opq else ""
    factory = args.factory or f"{opq}IVF{args.nlist},PQ{args.pq}np"
    started = time.perf_counter()
    base, queries, planted = make_vectors(args.n, args.dim, args.queries, seed=args.seed)
    made_s = time.perf_counter() - started
    exact = ExactEngine(base)
    truth = exact.search(queries)
    exact.measured.planted = float(np.mean([len(set(t) & set(p)) / PLANTED
                                            for t, p in zip(truth, planted, strict=True)]))
    tmp = Path(tempfile.mkdtemp(prefix="traceobject-engines-"))
    engines: list[Engine] = [exact]
    try:
        with terminate_cleanly():
            engines.append(FaissEngine("faiss_ivfpq", factory, base, train=args.train,
                                       nprobe=args.nprobe, seed=args.seed, tmp=tmp))
            engines.append(FaissEngine("faiss_ivfflat", f"IVF{args.nlist},Flat", base,
                                       train=args.train, nprobe=args.nprobe, seed=args.seed,
                                       tmp=tmp))
            if not args.no_milvus:
                engines.append(MilvusEngine(base, nlist=args.nlist, nprobe=args.nprobe,
                                            batch=args.milvus_batch, tmp=tmp))
            for e in engines[1:]:
                score(e, queries, truth, planted)
            for r in range(args.rounds):
                order = engines[1:] if r % 2 == 0 else engines[:0:-1]
                for e in order:
                    time_queries(e, queries)
                time_queries(exact, queries[: args.exact_queries])
            report(args, engines, made_s, factory)
    finally:
        for e in engines:
            e.close()
        shutil.rmtree(tmp, ignore_errors=True)
    ok = all(e.measured.recall > 0 for e in engines)
    return 0 if ok else 1


def report(args: argparse.Namespace, engines: list[Engine], made_s: float, factory: str) -> None:
    by = {e.name: e.measured for e in engines}
    ex, pq = by["exact"], by["faiss_ivfpq"]
    raw = 4.0 * args.dim
    rows: list[tuple[str, str, str, str]] = []

    def row(figure: str, value: float, base: tuple[str, float] | None, fmt: str) -> None:
        if base is None:
            rows.append((figure, fmt.format(value), "-", "-"))
        else:
            ratio = f"{value / base[1]:.3g}" if base[1] else "-"
            rows.append((figure, fmt.format(value), f"{base[0]}={fmt.format(base[1])}", ratio))

    ex_p50 = statistics.median(ex.single_ms)
    row("exact_query_ms_p50", ex_p50, None, "{:.2f}")
    row("exact_planted_at_10", ex.planted, None, "{:.4f}")
    pq_p50 = statistics.median(pq.single_ms)
    for e in engines[1:]:
        m, n = e.measured, e.name
        mine = n == "faiss_ivfpq"

        def ref(value: float, mine: bool = mine) -> tuple[str, float] | None:
            return None if mine else ("faiss_ivfpq", value)

        p50 = statistics.median(m.single_ms)
        row(f"{n}_build_s", m.build_s, ref(pq.build_s), "{:.1f}")
        row(f"{n}_query_ms_p50", p50, ("exact", ex_p50) if mine else ref(pq_p50), "{:.3f}")
        row(f"{n}_query_ms_p99", percentile(m.single_ms, 99),
            ref(percentile(pq.single_ms, 99)), "{:.3f}")
        row(f"{n}_query_ms_batched", statistics.median(m.batched_ms),
            ref(statistics.median(pq.batched_ms)), "{:.3f}")
        row(f"{n}_query_cpu_ms", statistics.median(m.cpu_ms),
            ref(statistics.median(pq.cpu_ms)), "{:.3f}")
        row(f"{n}_query_cpu_ms_batched", statistics.median(m.batched_cpu_ms),
            ref(statistics.median(pq.batched_cpu_ms)), "{:.3f}")
        row(f"{n}_recall_at_10", m.recall, ("exact", 1.0), "{:.4f}")
        row(f"{n}_planted_at_10", m.planted, ("exact", ex.planted), "{:.4f}")
        row(f"{n}_memory_bytes_per_vector", m.memory_per_vector, ("raw_float32", raw), "{:.1f}")
        row(f"{n}_disk_bytes_per_vector", m.disk_per_vector, ("raw_float32", raw), "{:.1f}")

    print(f"# load average {os.getloadavg()[0]:.1f} at the end (2 cores shared); "
          f"wall time {time.perf_counter() - args.started:.0f} s")
    print(f"# vectors: n={args.n} dim={args.dim} queries={args.queries} (10 planted each), "
          f"1000 clusters, made in {made_s:.1f} s; rounds={args.rounds} interleaved "
          f"(exact: {args.exact_queries} queries a round)")
    for e in engines[1:]:
        for note in e.measured.notes:
            print(f"# {note}")
        parts = ", ".join(f"{k} {v:.1f}" for k, v in e.measured.build_parts.items())
        print(f"# {e.name} build: {parts}")
    print("# ratio = value / baseline; latency p50/p99 over every single query of every round, "
          "batched = one call with all queries, time per query; cpu includes the server's")
    print("figure\tvalue\tbaseline\tratio")
    for r in rows:
        print("\t".join(r))


if __name__ == "__main__":
    sys.exit(main())
