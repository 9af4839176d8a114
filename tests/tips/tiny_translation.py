"""A tiny but real translation model package for the tests (nothing is downloaded).

A SentencePiece model trained here on a few sentences, and a CTranslate2 Transformer (one
layer, width 16) with small random weights written through CTranslate2's own model
specification, in the package layout traceobject.core.translation reads (metadata.json,
model/, sentencepiece.model). Its output is gibberish: the tests check the plumbing (the
engine loads and runs, the result is stored and shown), not the quality."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

CORPUS = [
    "Ich habe diese Tasche in Krakau gekauft.", "Das Hemd gibt es in einem Laden in Graz.",
    "I bought this bag in Kraków.", "The shirt is sold in a shop in Graz.",
    "Kupiłem tę torbę w Krakowie.", "Ce sac est vendu à Lyon.",
]
WIDTH, FFN = 16, 32


def build(folder: Path, *, sources: str | list[str] = "de", target: str = "en",
          name: str = "Tiny test model", seed: int = 7) -> Path:
    import ctranslate2.specs.transformer_spec as transformer_spec
    import sentencepiece as spm
    from ctranslate2.specs import model_spec

    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS * 10), model_writer=buffer, vocab_size=60,
        model_type="unigram", hard_vocab_limit=False, pad_id=0, eos_id=1, unk_id=2,
        bos_id=-1, minloglevel=2)
    (folder / "sentencepiece.model").write_bytes(buffer.getvalue())
    processor = spm.SentencePieceProcessor(model_proto=buffer.getvalue())
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    vocabulary = ["<unk>", "<s>", "</s>"] + [p for p in pieces
                                             if p not in ("<unk>", "<s>", "</s>", "<pad>")]
    size = len(vocabulary)
    rng = np.random.default_rng(seed)

    def shape(scope: str) -> tuple[int, ...]:
        weight = scope.endswith("weight")
        if scope.endswith(("embeddings_0/weight", "embeddings/weight", "projection/weight")):
            return (size, WIDTH)
        if "layer_norm" in scope:
            return (WIDTH,)
        rows = WIDTH
        if "self_attention/linear_0" in scope:
            rows = 3 * WIDTH
        elif "/attention/linear_1" in scope:
            rows = 2 * WIDTH
        elif "ffn/linear_0" in scope:
            rows = FFN
        if "ffn/linear_1" in scope:
            return (WIDTH, FFN) if weight else (WIDTH,)
        return (rows, WIDTH) if weight else (rows,)

    def fill(spec: object, scope: str, value: object) -> None:
        if value is not None:
            return
        attribute = scope.split("/")[-1]
        if attribute == "gamma":
            array = np.ones(shape(scope), np.float32)
        elif attribute == "beta":
            array = np.zeros(shape(scope), np.float32)
        else:
            array = rng.normal(0, 0.3, shape(scope)).astype(np.float32)
        setattr(spec, attribute, array)

    spec = transformer_spec.TransformerSpec.from_config(1, 2)
    model_spec.visit_spec(spec, fill)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize()
    (folder / "model").mkdir()
    spec.save(str(folder / "model"))
    (folder / "metadata.json").write_text(json.dumps(
        {"from_code": sources, "to_code": target, "name": name}), encoding="utf-8")
    return folder
