"""Machine translation of tips with a local model the agency supplies (never downloaded).

Django-free: ``load(path)`` reads TRACEOBJECT_TRANSLATION_MODEL's directory once per process
(lazily: CTranslate2 and SentencePiece are imported on first use) and returns a
``Translator``. The directory is one model package, or a folder of them (one per source
language, all into the same target language). A package is laid out like an Argos Translate
package::

    metadata.json        {"from_code": "de" (or a list, or "mul"), "to_code": "en",
                          "name": "OPUS-MT de-en"}   (name optional: the folder's name)
    model/               a CTranslate2 model (model.bin, config.json, vocabularies), e.g.
                         converted from OPUS-MT/Marian with ct2-opus-mt-converter
    sentencepiece.model  the SentencePiece model of both sides, or source.spm and target.spm
                         (in the package or in model/)

A missing or damaged model raises ``TranslationModelError`` with a message naming the file;
nothing is ever fetched from the network.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_SENTENCE_TOKENS = 200  # longer sentences are cut (tips are short; the model's limit)
MAX_DECODING_TOKENS = 256
SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+")


class TranslationModelError(Exception):
    """The configured translation model cannot be used (missing, damaged, inconsistent)."""


@dataclass(frozen=True)
class Package:
    """One model: what it translates from and into, and where its files are."""

    name: str
    sources: frozenset[str]  # language codes; "mul" for any
    target: str
    model_dir: Path
    source_spm: Path
    target_spm: Path

    def accepts(self, language: str) -> bool:
        return language in self.sources or "mul" in self.sources


@dataclass
class Translator:
    """The loaded packages of one configured directory. Thread-safe (one lock per model)."""

    path: Path
    packages: list[Package]
    _engines: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def target(self) -> str:
        return self.packages[0].target

    @property
    def name(self) -> str:
        return ", ".join(p.name for p in self.packages)

    def package_for(self, language: str) -> Package | None:
        """The package translating `language` into the target (exact code first)."""
        base = (language or "").split("-")[0].lower()
        exact = [p for p in self.packages if base in p.sources]
        found = exact or [p for p in self.packages if p.accepts(base)]
        return found[0] if found else None

    def translate(self, text: str, language: str) -> tuple[str, str]:
        """`text` (in `language`) in the target language, and the name of the model used.
        TranslationModelError when no package takes `language` or the model fails."""
        package = self.package_for(language)
        if package is None:
            raise TranslationModelError(f"no model translates {language!r} into "
                                        f"{self.target!r}")
        engine, source_sp, target_sp = self._engine(package)
        lines = text.splitlines() or [text]
        out_lines = []
        for line in lines:
            sentences = [s for s in SENTENCE_END.split(line.strip()) if s]
            if not sentences:
                out_lines.append("")
                continue
            batch = [source_sp.encode(s, out_type=str)[:MAX_SENTENCE_TOKENS] for s in sentences]
            # A translation is seldom more than twice as long as its source: bounding it
            # keeps a model that never ends a sentence from running to the limit every time.
            longest = max(len(tokens) for tokens in batch)
            try:
                results = engine.translate_batch(
                    batch, beam_size=2,
                    max_decoding_length=min(MAX_DECODING_TOKENS, 2 * longest + 10))
            except (RuntimeError, ValueError) as error:
                raise TranslationModelError(f"the model {package.name!r} failed: "
                                            f"{error}") from error
            out_lines.append(" ".join(
                target_sp.decode(r.hypotheses[0]).strip() for r in results))
        return "\n".join(out_lines).strip(), package.name

    def _engine(self, package: Package) -> tuple[Any, Any, Any]:
        with self._lock:
            cached = self._engines.get(package.name)
            if cached is None:
                cached = _open_engine(package)
                self._engines[package.name] = cached
            return cached


def _open_engine(package: Package) -> tuple[Any, Any, Any]:
    try:
        import ctranslate2
        import sentencepiece
    except ImportError as error:  # an installation without the engine
        raise TranslationModelError(f"the translation engine is not installed ({error.name})"
                                    ) from error
    try:
        engine = ctranslate2.Translator(str(package.model_dir), device="cpu",
                                        inter_threads=1, intra_threads=1)
    except (RuntimeError, ValueError, OSError) as error:
        raise TranslationModelError(f"{package.model_dir}: not a usable CTranslate2 model "
                                    f"({error})") from error
    spms = []
    for path in (package.source_spm, package.target_spm):
        try:
            spms.append(sentencepiece.SentencePieceProcessor(model_file=str(path)))
        except (RuntimeError, OSError) as error:
            raise TranslationModelError(f"{path}: not a SentencePiece model ({error})"
                                        ) from error
    return engine, spms[0], spms[1]


def _codes(value: Any, where: Path) -> frozenset[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(
            isinstance(v, str) and re.fullmatch(r"[a-z]{2,3}", v) for v in values):
        raise TranslationModelError(f"{where}: language codes must be like \"de\" or a list "
                                    "of them")
    return frozenset(values)


def _package(folder: Path) -> Package:
    meta_file = folder / "metadata.json"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise TranslationModelError(f"{meta_file}: missing") from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TranslationModelError(f"{meta_file}: unreadable ({error})") from error
    if not isinstance(meta, dict):
        raise TranslationModelError(f"{meta_file}: not a JSON object")
    sources = _codes(meta.get("from_code"), meta_file)
    targets = _codes(meta.get("to_code"), meta_file)
    if len(targets) != 1 or "mul" in targets:
        raise TranslationModelError(f"{meta_file}: to_code must be one language")
    model_dir = folder / "model"
    for needed in ("model.bin", "config.json"):
        if not (model_dir / needed).is_file():
            raise TranslationModelError(f"{model_dir / needed}: missing")
    shared = [folder / "sentencepiece.model", model_dir / "sentencepiece.model"]
    pairs = [(folder / "source.spm", folder / "target.spm"),
             (model_dir / "source.spm", model_dir / "target.spm")]
    spm = next(((p, p) for p in shared if p.is_file()), None) or next(
        ((s, t) for s, t in pairs if s.is_file() and t.is_file()), None)
    if spm is None:
        raise TranslationModelError(f"{folder}: no sentencepiece.model (or source.spm and "
                                    "target.spm)")
    given = meta.get("name")
    name = given if isinstance(given, str) else ""
    return Package(name=(name.strip()[:100] or folder.name), sources=sources,
                   target=next(iter(targets)), model_dir=model_dir, source_spm=spm[0],
                   target_spm=spm[1])


def read(path: str | Path) -> Translator:
    """The packages under `path` (checked, not yet loaded into memory)."""
    root = Path(path)
    if not root.is_dir():
        raise TranslationModelError(f"{root}: not a directory")
    if (root / "metadata.json").exists():
        packages = [_package(root)]
    else:
        packages = [_package(sub) for sub in sorted(root.iterdir())
                    if sub.is_dir() and (sub / "metadata.json").exists()]
    if not packages:
        raise TranslationModelError(f"{root}: no metadata.json here or in its folders")
    if len({p.target for p in packages}) > 1:
        raise TranslationModelError(f"{root}: the models translate into different languages "
                                    f"({', '.join(sorted({p.target for p in packages}))})")
    if len({p.name for p in packages}) < len(packages):
        raise TranslationModelError(f"{root}: two models have the same name")
    return Translator(path=root, packages=packages)


_loaded: dict[str, Translator] = {}
_loaded_lock = threading.Lock()


def load(path: str | Path) -> Translator:
    """The translator of `path`, read once per process (the engines load on first use)."""
    key = str(Path(path).resolve())
    with _loaded_lock:
        if key not in _loaded:
            _loaded[key] = read(path)
        return _loaded[key]
