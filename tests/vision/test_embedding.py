"""The optional embedding model (vision/embedding.py), with tiny ONNX models built here.

The models are random-weight convolutions (no training, nothing downloaded): their
embeddings are texture and colour statistics, enough to tell a picture's copies from other
patterns and to check every path the plug-in takes (vector, pooled-map and token outputs,
fixed and dynamic sizes and batches, float16) and every way a model can be wrong.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from PIL import Image, ImageDraw

from traceobject.vision import embedding
from traceobject.vision.embedding import (
    ENV_SETTING,
    EmbeddingModel,
    EmbeddingModelError,
    configured_model,
    region_boxes,
    status,
)

DIMS = 32

# --------------------------------------------------------------------------- models


def _weights(name: str, shape: tuple[int, ...], seed: int) -> onnx.TensorProto:
    """Random zero-mean filters (they answer to edges and texture, not flat colour)."""
    w = np.random.default_rng(seed).standard_normal(shape)
    w -= w.mean(axis=tuple(range(1, w.ndim)), keepdims=True)
    return numpy_helper.from_array((w / np.sqrt(np.prod(shape[1:]))).astype(np.float32), name)


def _const(name: str, values: list[int]) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def _value(name: str, dims: list[Any], kind: int = TensorProto.FLOAT) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, kind, dims)


def _save(path: Path, nodes: list[onnx.NodeProto], inputs: list[onnx.ValueInfoProto],
          outputs: list[onnx.ValueInfoProto], inits: list[onnx.TensorProto],
          meta: dict[str, str] | None = None) -> Path:
    graph = helper.make_graph(nodes, "test", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if meta:
        helper.set_model_props(model, meta)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _features(source: str = "x") -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    """Conv 5x5 /2 + ReLU + Conv 3x3 /2 + ReLU: a (N, DIMS, h, w) feature map "r2"."""
    nodes = [helper.make_node("Conv", [source, "w1"], ["c1"], strides=[2, 2], pads=[2, 2, 2, 2]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c2"], ["r2"])]
    return nodes, [_weights("w1", (16, 3, 5, 5), 0), _weights("w2", (DIMS, 16, 3, 3), 1)]


def conv_model(path: Path, *, shape: tuple[Any, ...] = ("N", 3, "H", "W"),
               meta: dict[str, str] | None = None, tail: list[onnx.NodeProto] | None = None,
               tail_inits: list[onnx.TensorProto] | None = None,
               out: list[Any] | None = None, out_kind: int = TensorProto.FLOAT) -> Path:
    """Features + GlobalAveragePool + Flatten: (N, 32). `tail` adds nodes after "y"
    (their last output must be "z", then the model's output)."""
    nodes, inits = _features()
    nodes += [helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
              helper.make_node("Flatten", ["g"], ["y"])]
    final = "y"
    if tail:
        nodes += tail
        inits += tail_inits or []
        final = "z"
    return _save(path, nodes, [_value("x", list(shape))],
                 [_value(final, out if out is not None else [shape[0], DIMS], out_kind)],
                 inits, meta)


def pooled_map_model(path: Path) -> Path:
    """Features + GlobalAveragePool, no Flatten: (N, 32, 1, 1)."""
    nodes, inits = _features()
    nodes.append(helper.make_node("GlobalAveragePool", ["r2"], ["y"]))
    return _save(path, nodes, [_value("x", ["N", 3, "H", "W"])],
                 [_value("y", ["N", DIMS, 1, 1])], inits)


def token_model(path: Path, meta: dict[str, str] | None = None) -> Path:
    """A transformer-shaped output (N, 1 + h*w, 32): token 0 is the average of the feature
    map (what conv_model gives), the others are the NEGATED feature map's cells, so the
    mean of all tokens points the opposite way."""
    nodes, inits = _features()
    nodes += [
        helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
        helper.make_node("Flatten", ["g"], ["cls2"]),
        helper.make_node("Unsqueeze", ["cls2", "axis1"], ["cls"]),
        helper.make_node("Reshape", ["r2", "flat"], ["cells"]),
        helper.make_node("Transpose", ["cells"], ["tokens_pos"], perm=[0, 2, 1]),
        helper.make_node("Neg", ["tokens_pos"], ["tokens"]),
        helper.make_node("Concat", ["cls", "tokens"], ["y"], axis=1),
    ]
    inits += [_const("axis1", [1]), _const("flat", [0, DIMS, -1])]
    return _save(path, nodes, [_value("x", ["N", 3, "H", "W"])],
                 [_value("y", ["N", "T", DIMS])], inits, meta)


def float16_model(path: Path) -> Path:
    """Float16 in and out (casts around the float32 convolutions)."""
    nodes, inits = _features("x32")
    nodes = [helper.make_node("Cast", ["x"], ["x32"], to=TensorProto.FLOAT), *nodes,
             helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
             helper.make_node("Flatten", ["g"], ["y32"]),
             helper.make_node("Cast", ["y32"], ["y"], to=TensorProto.FLOAT16)]
    return _save(path, nodes, [_value("x", ["N", 3, "H", "W"], TensorProto.FLOAT16)],
                 [_value("y", ["N", DIMS], TensorProto.FLOAT16)], inits)


def text_model(path: Path) -> Path:
    """A text encoder's shape: int64 token ids (N, T) -> (N, 16)."""
    table = numpy_helper.from_array(
        np.random.default_rng(0).standard_normal((100, 16)).astype(np.float32), "table")
    nodes = [helper.make_node("Gather", ["table", "ids"], ["e"]),
             helper.make_node("ReduceMean", ["e"], ["y"], axes=[1], keepdims=0)]
    return _save(path, nodes, [_value("ids", ["N", "T"], TensorProto.INT64)],
                 [_value("y", ["N", 16])], [table])


def vector_model(path: Path) -> Path:
    """(N, 768) floats in (features, not pixels), (N, 32) out."""
    weights = numpy_helper.from_array(
        np.random.default_rng(0).standard_normal((768, DIMS)).astype(np.float32), "w")
    return _save(path, [helper.make_node("MatMul", ["x", "w"], ["y"])],
                 [_value("x", ["N", 768])], [_value("y", ["N", DIMS])], [weights])


def two_input_model(path: Path) -> Path:
    nodes, inits = _features()
    nodes += [helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
              helper.make_node("Flatten", ["g"], ["f"]),
              helper.make_node("Add", ["f", "bias"], ["y"])]
    return _save(path, nodes, [_value("x", ["N", 3, "H", "W"]), _value("bias", ["N", DIMS])],
                 [_value("y", ["N", DIMS])], inits)


def two_output_model(path: Path, meta: dict[str, str] | None = None) -> Path:
    """(N, 32) "embedding" and the (N, 32, h, w) "feature_map" (like a Hugging Face export
    with its pooled output and its last hidden state)."""
    nodes, inits = _features()
    nodes += [helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
              helper.make_node("Flatten", ["g"], ["embedding"]),
              helper.make_node("Identity", ["r2"], ["feature_map"])]
    return _save(path, nodes, [_value("x", ["N", 3, "H", "W"])],
                 [_value("embedding", ["N", DIMS]), _value("feature_map", ["N", DIMS, "h", "w"])],
                 inits, meta)


def feature_map_model(path: Path) -> Path:
    """The (N, 32, h, w) feature map itself, unpooled."""
    nodes, inits = _features()
    return _save(path, nodes, [_value("x", ["N", 3, "H", "W"])],
                 [_value("r2", ["N", DIMS, "h", "w"])], inits)


# --------------------------------------------------------------------------- pictures


def _rng_colour(rng: np.random.Generator) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in rng.integers(0, 256, 3))
    return r, g, b


def circles(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    rng = np.random.default_rng(seed)
    picture = Image.new("RGB", size, _rng_colour(rng))
    draw = ImageDraw.Draw(picture)
    for _ in range(25):
        x, y, r = int(rng.integers(0, size[0])), int(rng.integers(0, size[1])), \
            int(rng.integers(5, 50))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_rng_colour(rng))
    return picture


def stripes(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size[1], 0:size[0]]
    angle, period = rng.uniform(0, np.pi), rng.uniform(6, 30)
    on = np.sin((x * np.cos(angle) + y * np.sin(angle)) * 2 * np.pi / period) > 0
    pixels = np.where(on[..., None], _rng_colour(rng), _rng_colour(rng))
    return Image.fromarray(pixels.astype(np.uint8))


def checker(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    rng = np.random.default_rng(seed)
    cell = int(rng.integers(8, 40))
    y, x = np.mgrid[0:size[1], 0:size[0]]
    on = (x // cell + y // cell) % 2 == 0
    pixels = np.where(on[..., None], _rng_colour(rng), _rng_colour(rng))
    return Image.fromarray(pixels.astype(np.uint8))


def blotches(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (size[1] // 4, size[0] // 4, 3)).astype(np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)


PATTERNS: list[Callable[..., Image.Image]] = [circles, stripes, checker, blotches]


def jpeg(picture: Image.Image, quality: int = 60) -> Image.Image:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def scene(obj: Image.Image | None, seed: int) -> Image.Image:
    """A 640 x 480 scene: checkerboard, a patch of blotches, and the object (360 x 270) in
    its top-left part."""
    picture = checker(seed + 10, (640, 480))
    picture.paste(blotches(seed + 20, (300, 200)), (330, 270))
    if obj is not None:
        picture.paste(obj.resize((360, 270)), (10, 10))
    return picture


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return conv_model(tmp_path_factory.mktemp("embedding") / "conv.onnx")


@pytest.fixture(scope="module")
def model(model_path: Path) -> EmbeddingModel:
    return EmbeddingModel.load(model_path)


# --------------------------------------------------------------------------- embedding


def test_the_model_is_read_from_the_file(model: EmbeddingModel, model_path: Path) -> None:
    assert model.dimension == DIMS
    assert (model.input_name, model.output_name, model.output_kind) == ("x", "y", "vector")
    assert (model.preprocessing.height, model.preprocessing.width) == (224, 224)  # dynamic
    assert model.preprocessing.mean == embedding.IMAGENET_MEAN
    assert model.batch is None and model.name == "conv.onnx"
    assert len(model.sha256) == 64
    assert "32 dimensions" in model.summary() and "224x224" in model.summary()


def test_embeddings_are_deterministic_and_normalised(model: EmbeddingModel,
                                                     model_path: Path) -> None:
    picture = circles(1)
    first = model.embed(picture)
    assert first.shape == (DIMS,) and first.dtype == np.float32
    assert abs(float(np.linalg.norm(first)) - 1) < 1e-5
    assert np.array_equal(first, model.embed(picture))
    assert np.array_equal(first, EmbeddingModel.load(model_path).embed(picture))


def test_copies_match_and_unrelated_patterns_do_not(model: EmbeddingModel) -> None:
    pictures = {f"{make.__name__}{seed}": make(seed) for make in PATTERNS for seed in (1, 2)}
    vectors = {name: model.embed(p) for name, p in pictures.items()}
    for name, picture in pictures.items():
        copies = [picture.resize((160, 120), Image.Resampling.BILINEAR),
                  picture.resize((560, 420), Image.Resampling.BICUBIC), jpeg(picture)]
        copy_scores = model.embed_many(copies) @ vectors[name]
        assert copy_scores.min() > 0.98, (name, copy_scores)
        for other, vector in vectors.items():
            if other.rstrip("12") != name.rstrip("12"):  # another kind of pattern
                score = float(vectors[name] @ vector)
                assert score < copy_scores.min() - 0.05, (name, other, score)


def test_embed_many_is_embed_batched(model: EmbeddingModel) -> None:
    pictures = [make(seed) for make in PATTERNS for seed in range(5)]  # 20: two batches
    many = model.embed_many(pictures)
    assert many.shape == (20, DIMS)
    single = np.stack([model.embed(p) for p in pictures])
    assert np.allclose(many, single, atol=1e-5)
    assert model.embed_many(iter(pictures[:3])).shape == (3, DIMS)  # any iterable
    empty = model.embed_many([])
    assert empty.shape == (0, DIMS) and empty.dtype == np.float32


def test_any_picture_mode_and_array_is_taken(model: EmbeddingModel) -> None:
    rgb = circles(3)
    grey = rgb.convert("L")
    reference, grey_reference = model.embed(rgb), model.embed(grey)
    pixels = np.asarray(rgb)
    same_as_rgb: list[Any] = [pixels, rgb.convert("RGBA"), pixels.astype(np.float32) / 255,
                              np.dstack([pixels, np.full(pixels.shape[:2], 255, np.uint8)])]
    for picture in same_as_rgb:
        assert np.allclose(model.embed(picture), reference, atol=1e-5)
    grey_pixels = np.asarray(grey)
    sixteen = grey_pixels.astype(np.uint16) * 257  # 16-bit samples: their high byte
    same_as_grey: list[Any] = [grey_pixels, grey_pixels[:, :, None], sixteen,
                               Image.fromarray(sixteen)]
    for picture in same_as_grey:
        assert np.allclose(model.embed(picture), grey_reference, atol=1e-5)
    for picture in (rgb.convert("P"), rgb.convert("CMYK"), rgb.convert("1"),
                    rgb.convert("F"), grey_pixels > 128, pixels.astype(np.int32) - 1000):
        vector = model.embed(picture)
        assert vector.shape == (DIMS,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    # transparency counts as white
    clear = Image.new("RGBA", (50, 40), (255, 0, 0, 0))
    assert np.allclose(model.embed(clear), model.embed(Image.new("RGB", (50, 40), "white")),
                       atol=1e-5)
    tiny = model.embed(Image.new("RGB", (1, 1), "red"))  # scaled up, no error
    assert tiny.shape == (DIMS,)


@pytest.mark.parametrize("picture", [
    np.zeros((0, 10, 3), np.uint8), np.zeros((10, 0), np.uint8), np.zeros((10, 10, 2), np.uint8),
    np.zeros((2, 10, 10, 3), np.uint8), np.zeros(10, np.uint8),
    np.array([["a", "b"]]), "picture.jpg", b"\xff\xd8", None,
], ids=["no rows", "no columns", "two channels", "4-D", "1-D", "strings", "a path", "bytes",
        "None"])
def test_what_is_not_a_picture_is_refused(model: EmbeddingModel, picture: Any) -> None:
    with pytest.raises(ValueError, match="picture|empty"):
        model.embed(picture)


def test_token_output_takes_the_class_token(tmp_path: Path, model: EmbeddingModel) -> None:
    pictures = [circles(4), stripes(4)]
    expected = model.embed_many(pictures)
    tokens = EmbeddingModel.load(token_model(tmp_path / "tokens.onnx"))
    assert tokens.output_kind == "tokens" and tokens.dimension == DIMS
    assert np.allclose(tokens.embed_many(pictures), expected, atol=1e-5)
    assert "token 0" in tokens.summary()
    # pooling=mean: the mean of all tokens (here, the class token against the negated cells)
    mean = EmbeddingModel.load(token_model(tmp_path / "mean.onnx", {"pooling": "mean"}))
    assert np.allclose(mean.embed_many(pictures), -expected, atol=1e-4)


def test_a_pooled_map_output_is_flattened(tmp_path: Path, model: EmbeddingModel) -> None:
    pooled = EmbeddingModel.load(pooled_map_model(tmp_path / "pooled.onnx"))
    assert pooled.output_kind == "pooled map" and pooled.dimension == DIMS
    picture = checker(5)
    assert np.allclose(pooled.embed(picture), model.embed(picture), atol=1e-5)


def test_a_float16_model_runs(tmp_path: Path, model: EmbeddingModel) -> None:
    half = EmbeddingModel.load(float16_model(tmp_path / "half.onnx"))
    picture = stripes(6)
    vector = half.embed(picture)
    assert vector.dtype == np.float32
    assert float(vector @ model.embed(picture)) > 0.999


def test_the_input_size_comes_from_the_model_or_its_metadata(tmp_path: Path) -> None:
    fixed = EmbeddingModel.load(conv_model(tmp_path / "fixed.onnx", shape=("N", 3, 64, 96)))
    assert (fixed.preprocessing.height, fixed.preprocessing.width) == (64, 96)
    sized = EmbeddingModel.load(conv_model(tmp_path / "sized.onnx", meta={"size": "96,128"}))
    assert (sized.preprocessing.height, sized.preprocessing.width) == (96, 128)
    square = EmbeddingModel.load(conv_model(tmp_path / "square.onnx", meta={"size": "112"}))
    assert (square.preprocessing.height, square.preprocessing.width) == (112, 112)
    agreeing = EmbeddingModel.load(conv_model(tmp_path / "agree.onnx", shape=("N", 3, 64, 96),
                                              meta={"size": "64x96"}))
    assert agreeing.preprocessing.height == 64
    half_dynamic = EmbeddingModel.load(conv_model(tmp_path / "half.onnx",
                                                  shape=("N", 3, 80, "W")))
    assert (half_dynamic.preprocessing.height, half_dynamic.preprocessing.width) == (80, 224)
    picture = circles(7)
    for loaded in (fixed, sized, square, half_dynamic):
        assert loaded.embed(picture).shape == (DIMS,)
    # the size changes what the model sees (a different embedding), the copy still matches
    assert float(sized.embed(picture) @ square.embed(picture)) < 0.9999
    assert float(sized.embed(picture) @ sized.embed(jpeg(picture))) > 0.98


def test_preprocessing_metadata_is_used(tmp_path: Path, model: EmbeddingModel) -> None:
    clip = {"mean": "0.4815, 0.4578, 0.4082", "std": "0.2686 0.2613 0.2758",
            "name": "CLIP-like test encoder"}
    clip_model = EmbeddingModel.load(conv_model(tmp_path / "clip.onnx", meta=clip))
    assert clip_model.preprocessing.mean == (0.4815, 0.4578, 0.4082)
    assert clip_model.preprocessing.std == (0.2686, 0.2613, 0.2758)
    assert clip_model.name == "CLIP-like test encoder"
    picture = circles(8)
    assert not np.allclose(clip_model.embed(picture), model.embed(picture), atol=1e-4)
    # resize=crop: the middle of a wide picture; the same as stretch for a square one
    crop = EmbeddingModel.load(conv_model(tmp_path / "crop.onnx", meta={"resize": "crop"}))
    assert crop.preprocessing.resize == "crop"
    wide = Image.new("RGB", (600, 200), "white")
    wide.paste(checker(9, (200, 200)), (200, 0))
    assert float(crop.embed(wide) @ model.embed(checker(9, (200, 200)))) > 0.9999
    assert float(model.embed(wide) @ crop.embed(wide)) < 0.99
    square = checker(9, (300, 300))
    assert np.allclose(crop.embed(square), model.embed(square), atol=1e-5)


def test_fixed_and_single_picture_batches(tmp_path: Path, model: EmbeddingModel) -> None:
    pictures = [make(seed) for make in PATTERNS for seed in (10, 11)]
    expected = model.embed_many(pictures)
    one = EmbeddingModel.load(conv_model(tmp_path / "one.onnx", shape=(1, 3, "H", "W")))
    assert one.batch == 1
    assert np.allclose(one.embed_many(pictures), expected, atol=1e-5)
    three = EmbeddingModel.load(conv_model(tmp_path / "three.onnx", shape=(3, 3, "H", "W")))
    assert three.batch == 3  # 8 pictures: 3 + 3 + 2 filled up with a blank one
    assert np.allclose(three.embed_many(pictures), expected, atol=1e-5)
    # a dynamic batch declared, but the graph makes one row of everything: one at a time
    flat = EmbeddingModel.load(conv_model(
        tmp_path / "flat.onnx", tail=[helper.make_node("Reshape", ["y", "one_row"], ["z"])],
        tail_inits=[_const("one_row", [1, -1])], out=["N", "D"]))
    assert flat.batch == 1
    assert np.allclose(flat.embed_many(pictures), expected, atol=1e-5)


def test_regions_are_the_picture_and_overlapping_parts() -> None:
    assert region_boxes(300, 200, levels=0) == [(0, 0, 300, 200)]
    level1 = region_boxes(300, 200)
    assert level1 == [(0, 0, 300, 200), (0, 0, 200, 133), (100, 0, 200, 133),
                      (0, 67, 200, 133), (100, 67, 200, 133)]
    for levels, count in ((2, 14), (3, 30)):
        boxes = region_boxes(641, 479, levels=levels)
        assert len(boxes) == count
        for x, y, w, h in boxes:
            assert min(x, y) >= 0 and min(w, h) >= 1 and x + w <= 641 and y + h <= 479
    assert len(region_boxes(1, 1, levels=3)) == 30  # a one-pixel picture still has them all
    for bad in ({"levels": -1}, {"levels": 4}):
        with pytest.raises(ValueError, match="levels"):
            region_boxes(100, 100, **bad)
    with pytest.raises(ValueError, match="empty"):
        region_boxes(0, 100)


def test_a_crop_matches_the_region_of_the_scene_it_is_in(model: EmbeddingModel) -> None:
    for make in (circles, stripes, checker):
        obj = make(1)
        query = model.embed(obj)
        with_obj = model.describe_regions(scene(obj, 0))
        without = model.describe_regions(scene(None, 0))
        assert with_obj.shape == (5, DIMS) and with_obj.dtype == np.float32
        scores = with_obj @ query
        assert int(np.argmax(scores)) == 1  # the top-left region, where the object is
        assert scores[1] > scores[0] + 0.02  # better than the whole scene
        assert scores.max() > (without @ query).max() + 0.05  # better than a scene without
    picture = scene(circles(1), 0)
    rows = model.describe_regions(picture, levels=2)
    assert rows.shape == (14, DIMS)
    assert np.allclose(rows[0], model.embed(picture), atol=1e-5)
    x, y, w, h = region_boxes(640, 480, levels=2)[7]
    assert np.allclose(rows[7], model.embed(picture.crop((x, y, x + w, y + h))), atol=1e-5)


# --------------------------------------------------------------------------- malformed models


def _write(data: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path
    return make


def _truncated(path: Path) -> Path:
    whole = conv_model(path).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


def _reshape_to(values: list[int]) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        return conv_model(path, tail=[helper.make_node("Reshape", ["y", "to"], ["z"])],
                          tail_inits=[_const("to", values)], out=["N", "D"])
    return make


MALFORMED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing file": (lambda path: path, "no such file"),
    "a directory": (_directory, "not a file"),
    "0 bytes": (_write(b""), "the file is empty"),
    "random bytes": (_write(np.random.default_rng(0).bytes(4096)),
                     "not an ONNX model, or a damaged one (Protobuf parsing failed.)"),
    "a JPEG": (lambda path: (circles(0).save(path, "JPEG"), path)[1], "not an ONNX model"),
    "half a model": (_truncated, "not an ONNX model"),
    "two inputs": (two_input_model, "2 inputs (x, bias)"),
    "text model": (text_model, "'ids' is tensor(int64), not float pixels (a text model?)"),
    "channels last": (lambda p: conv_model(p, shape=("N", 224, 224, 3)), "channels last?"),
    "grey input": (lambda p: conv_model(p, shape=("N", 1, "H", "W")),
                   "(N, 1, H, W): 1 channel, not 3"),
    "vector input": (vector_model, "'x' has shape (N, 768); an image input is (N, 3, H, W)"),
    "huge fixed input": (lambda p: conv_model(p, shape=(1, 3, 4096, 4096)),
                         "4096x4096 pixels; each side must be between 8 and 1024"),
    "huge fixed batch": (lambda p: conv_model(p, shape=(1000, 3, "H", "W")),
                         "fixed batch of 1000"),
    "unpooled feature map": (feature_map_model,
                             "has shape (2, 32, 56, 56) on a test picture; expected (N, D)"),
    "1-D output": (_reshape_to([-1]), "'z' has shape (?); expected (N, D)"),
    "5-D output": (lambda p: conv_model(p, tail=[helper.make_node(
        "Reshape", ["y", "to"], ["z"])], tail_inits=[_const("to", [0, DIMS, 1, 1, 1])],
        out=["N", DIMS, 1, 1, 1]), "expected (N, D), (N, D, 1, 1) or tokens (N, T, D)"),
    "one dimension": (lambda p: conv_model(p, tail=[helper.make_node(
        "ReduceSum", ["y", "axes"], ["z"], keepdims=1)], tail_inits=[_const("axes", [1])],
        out=["N", 1]), "the embedding has 1 dimension; between 2 and 16384"),
    "two outputs": (two_output_model, "2 outputs (embedding, feature_map)"),
    "output named but missing": (lambda p: two_output_model(p, {"output": "pooler_output"}),
                                 "names the output 'pooler_output', which the model does not"),
    "integer output": (lambda p: conv_model(p, tail=[helper.make_node(
        "ArgMax", ["y"], ["z"], axis=1, keepdims=1)], out=["N", 1], out_kind=TensorProto.INT64),
        "is tensor(int64), not float"),
    "NaN output": (lambda p: conv_model(p, tail=[helper.make_node("Sub", ["y", "hundred"], ["s"]),
                                                 helper.make_node("Log", ["s"], ["z"])],
                                        tail_inits=[numpy_helper.from_array(
                                            np.array(100, np.float32), "hundred")]),
                   "not finite"),
    "fails when run": (_reshape_to([7, -1]), "does not run on a 224x224 test picture: its "
                       "Reshape node failed: The input tensor cannot be reshaped"),
    "bad mean": (lambda p: conv_model(p, meta={"mean": "a,b,c"}), "mean 'a,b,c' is not three"),
    "two numbers for std": (lambda p: conv_model(p, meta={"std": "0.2,0.2"}), "not three"),
    "zero std": (lambda p: conv_model(p, meta={"std": "0,0.2,0.2"}), "std must be positive"),
    "bad size": (lambda p: conv_model(p, meta={"size": "large"}), "size 'large' is not"),
    "size too big": (lambda p: conv_model(p, meta={"size": "100000"}), "between 8 and 1024"),
    "size against a fixed one": (lambda p: conv_model(p, shape=("N", 3, 64, 64),
                                                      meta={"size": "224"}),
                                 "224x224 does not match the fixed size (64, 64) of the input 'x'"),
    "bad resize": (lambda p: conv_model(p, meta={"resize": "zoom"}),
                   "resize 'zoom' is not one of stretch, crop"),
    "bad pooling": (lambda p: token_model(p, {"pooling": "max"}), "pooling 'max' is not one"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_model_is_refused_with_a_clear_message(tmp_path: Path, case: str) -> None:
    make, message = MALFORMED[case]
    path = make(tmp_path / "model.onnx")
    with pytest.raises(EmbeddingModelError) as caught:
        EmbeddingModel.load(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: "), text  # names the file
    assert message in text, text
    assert "\n" not in text and len(text) < 600, text


def test_a_model_over_the_size_limit_is_refused(model_path: Path) -> None:
    size = model_path.stat().st_size
    with pytest.raises(EmbeddingModelError, match=f"too large \\({size} bytes; at most 1000\\)"):
        EmbeddingModel.load(model_path, max_bytes=1000)
    assert EmbeddingModel.load(model_path, max_bytes=size).dimension == DIMS


def test_an_unreadable_file_is_refused(tmp_path: Path, model_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "locked.onnx"
    path.write_bytes(model_path.read_bytes())
    path.chmod(0)
    with pytest.raises(EmbeddingModelError, match="permission denied"):
        EmbeddingModel.load(path)


def test_a_model_that_fails_on_later_pictures_says_so(tmp_path: Path) -> None:
    """It runs on the two test pictures of the load, then fails on one picture (and gives
    too few rows for three)."""
    only_two = EmbeddingModel.load(_reshape_to([2, DIMS])(tmp_path / "two.onnx"))
    assert only_two.dimension == DIMS
    assert only_two.embed_many([circles(1), circles(2)]).shape == (2, DIMS)
    with pytest.raises(EmbeddingModelError) as caught:
        only_two.embed(circles(1))
    assert str(caught.value).startswith(f"{tmp_path / 'two.onnx'}: the model failed to run: "
                                        "its Reshape node failed: ")
    even = EmbeddingModel.load(_reshape_to([2, -1])(tmp_path / "even.onnx"))
    with pytest.raises(EmbeddingModelError, match="the model gave 2 rows for 3 pictures"):
        even.embed_many([circles(1), circles(2), circles(3)])


def test_the_output_can_be_named_in_the_metadata(tmp_path: Path, model: EmbeddingModel) -> None:
    named = EmbeddingModel.load(two_output_model(tmp_path / "two.onnx", {"output": "embedding"}))
    assert named.output_name == "embedding"
    picture = blotches(12)
    assert np.allclose(named.embed(picture), model.embed(picture), atol=1e-5)


# --------------------------------------------------------------------------- configured model


def test_no_model_is_configured_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_SETTING, raising=False)
    assert configured_model() is None
    assert status() == f"embedding model: off ({ENV_SETTING} is not set)"
    monkeypatch.setenv(ENV_SETTING, "  ")
    assert configured_model() is None
    assert configured_model("") is None  # settings.EMBEDDING_MODEL when unset


def test_the_configured_model_is_loaded_once(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    path = conv_model(tmp_path / "configured.onnx")
    monkeypatch.setenv(ENV_SETTING, str(path))
    loaded = configured_model()
    assert loaded is not None and loaded.dimension == DIMS
    assert configured_model() is loaded
    assert configured_model(path) is loaded  # given explicitly (settings.EMBEDDING_MODEL)
    line = status()
    assert line.startswith(f"embedding model: {path}: configured.onnx: 32 dimensions")
    assert "\n" not in line
    # the file replaced by another model: loaded again
    token_model(path)
    reloaded = configured_model()
    assert reloaded is not None and reloaded is not loaded and reloaded.output_kind == "tokens"


def test_a_configured_model_that_cannot_be_used_says_why(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    missing = tmp_path / "missing.onnx"
    monkeypatch.setenv(ENV_SETTING, str(missing))
    with pytest.raises(EmbeddingModelError, match="no such file"):
        configured_model()
    assert status() == f"embedding model: cannot be used: {missing}: no such file"
    broken = text_model(tmp_path / "text.onnx")
    monkeypatch.setenv(ENV_SETTING, str(broken))
    for _ in range(2):  # every call says so (the failure is remembered, not reloaded)
        with pytest.raises(EmbeddingModelError, match="not float pixels"):
            configured_model()
    assert status().startswith(f"embedding model: cannot be used: {broken}: the input 'ids'")
    # repaired in place: used from then on
    conv_model(broken)
    repaired = configured_model()
    assert repaired is not None and repaired.dimension == DIMS
