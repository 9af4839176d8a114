"""Safe decoding: a corpus of hostile and awkward files, generated here.

Every case must either decode correctly or be refused with the right reason code,
and quickly (a hang would hang the suite; no timed assertions).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from traceobject.vision.decode import (
    HASHING_MAX_SIDE,
    MAX_JPEG_SCANS,
    REASON_CODES,
    DecodedImage,
    DecodeError,
    _gif_frames,
    _is_zip,
    _jpeg_walk,
    _tiff_frames,
    decode_for_hashing,
    decode_image,
)
from traceobject.vision.hashing import hamming, pdq_hash

RNG = np.random.default_rng(20240601)


# --------------------------------------------------------------------------- generators


def _encode(im: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _noise(h: int, w: int) -> np.ndarray:
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def _smooth(h: int, w: int) -> np.ndarray:
    """A photo-like image: smooth gradients and blobs (PDQ needs structure)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127 + 120 * np.sin(x / w * 7.0) * np.cos(y / h * 5.0)
    g = 127 + 120 * np.sin((x + y) / (w + h) * 9.0)
    b = 127 + 120 * np.cos(x / w * 3.0 + y / h * 11.0)
    return np.clip(np.stack([r, g, b], axis=-1), 0, 255).astype(np.uint8)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, *, depth: int = 8, color: int = 2, idat: bytes) -> bytes:
    """A PNG written by hand, so that the header can say anything."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def _gif(frames: int) -> bytes:
    """An animated 1x1 GIF with ``frames`` frames, ~20 bytes each."""
    out = bytearray(
        b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    )
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    frame = (
        b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 10 ms
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00"  # LZW min code 2, one sub-block, terminator
    )
    return bytes(out + frame * frames + b"\x3b")


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("payload/readme.txt", "hidden " * 100)
    return buf.getvalue()


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return _encode(Image.fromarray(_smooth(240, 320)), "JPEG", quality=90)


def _refused(data: bytes | Path, reason: str, **kw: object) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode_image(data, **kw)  # type: ignore[arg-type]
    assert info.value.reason_code == reason, info.value
    assert info.value.reason_code in REASON_CODES
    return info.value


# --------------------------------------------------------------------------- refused


def test_empty_file() -> None:
    _refused(b"", "empty")


def test_random_bytes() -> None:
    data = RNG.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert not data.startswith((b"\xff\xd8", b"\x89PNG", b"GIF", b"BM", b"II", b"MM", b"RIFF"))
    _refused(data, "not_an_image")


def test_text_file_named_jpg(tmp_path: Path) -> None:
    path = tmp_path / "holiday.jpg"
    path.write_text("Dear investigator, this is not a picture.\n" * 20)
    _refused(path, "not_an_image")


def test_other_image_formats_are_unsupported() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
    _refused(heic, "unsupported_format")
    _refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "unsupported_format")
    _refused(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "unsupported_format")
    _refused(
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "unsupported_format"
    )


def test_file_too_large(tmp_path: Path, jpeg: bytes) -> None:
    _refused(jpeg, "too_large_file", max_bytes=1000)
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg)
    _refused(path, "too_large_file", max_bytes=1000)


def test_decompression_bomb_png() -> None:
    # 100,000 x 100,000 pixels declared in well under a kilobyte
    bomb = _png(100_000, 100_000, idat=zlib.compress(bytes(300_001)))
    assert len(bomb) < 2000
    error = _refused(bomb, "decompression_bomb")
    assert "10000000000 pixels" in error.message


def test_absurd_declared_png_size() -> None:
    _refused(_png(0x7FFFFFFF, 0x7FFFFFFF, idat=zlib.compress(b"\x00" * 16)), "decompression_bomb")


def test_zero_declared_png_size() -> None:
    _refused(_png(0, 16, idat=zlib.compress(b"\x00" * 16)), "corrupt")


def test_jpeg_with_huge_declared_size(jpeg: bytes) -> None:
    sof = jpeg.index(b"\xff\xc0")
    patched = bytearray(jpeg)
    patched[sof + 5 : sof + 9] = struct.pack(">HH", 65000, 65000)
    _refused(bytes(patched), "decompression_bomb")


def test_too_many_pixels_is_not_a_bomb() -> None:
    # a genuinely large (incompressible) image: too big, but no bomb
    data = _encode(Image.fromarray(_noise(1000, 1200)), "PNG")
    error = _refused(data, "too_many_pixels", max_pixels=1_000_000)
    assert "1200x1000" in error.message
    assert decode_image(data, max_pixels=1_200_000).width == 1200


def test_truncated_jpeg(jpeg: bytes) -> None:
    _refused(jpeg[: len(jpeg) * 6 // 10], "truncated")
    _refused(jpeg[:200], "truncated")  # cut inside the header


def test_truncated_png() -> None:
    data = _encode(Image.fromarray(_noise(64, 64)), "PNG")
    _refused(data[: len(data) - 200], "truncated")


def test_corrupt_png_data() -> None:
    ihdr_only = _png(16, 16, idat=b"definitely not deflate data")
    _refused(ihdr_only, "corrupt")


def test_gif_with_10000_frames_is_refused_without_decoding() -> None:
    data = _gif(10_000)
    assert len(data) < 250_000
    error = _refused(data, "too_many_frames")
    assert "1000" in error.message
    # counting stops just past the limit
    assert _gif_frames(data, 50) == 51


def test_small_animation_decodes_first_frame() -> None:
    result = decode_image(_gif(5))
    assert result.frame_count == 5
    assert result.pixels.shape == (1, 1, 3)
    _refused(_gif(5), "too_many_frames", max_frames=4)


def test_jpeg_that_is_also_a_zip(jpeg: bytes) -> None:
    polyglot = jpeg + _zip()
    with zipfile.ZipFile(io.BytesIO(polyglot)) as zf:  # really is a working archive
        assert zf.namelist() == ["payload/readme.txt"]
    _refused(polyglot, "polyglot")


def test_png_and_gif_polyglots() -> None:
    png = _encode(Image.fromarray(_noise(32, 32)), "PNG")
    _refused(png + _zip(), "polyglot")
    _refused(_gif(2) + _zip(), "polyglot")


def test_zip_entry_after_jpeg_end_without_directory(jpeg: bytes) -> None:
    # a partial archive: local file entries but no central directory
    archive = _zip()
    partial = archive[: archive.index(b"PK\x01\x02")]
    _refused(jpeg + partial, "polyglot")


def test_chance_zip_signature_in_trailing_data_is_only_a_warning(jpeg: bytes) -> None:
    # e.g. the video appended to a "motion photo" containing PK\x03\x04 by chance
    noise = bytearray(RNG.integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    noise[1000:1004] = b"PK\x03\x04"
    noise[1004:1010] = b"\xff\xff\xff\xff\xff\xff"  # implausible version and method
    assert decode_image(jpeg + bytes(noise)).warnings == ("trailing_data",)


def test_zip_detection_has_no_false_positive_on_noise() -> None:
    for _ in range(20):
        blob = RNG.integers(0, 256, 100_000, dtype=np.uint8).tobytes()
        fields = RNG.integers(1, 256, 18, dtype=np.uint8).tobytes()
        assert not _is_zip(blob + b"PK\x05\x06" + fields[:16] + b"\x00\x00")  # no directory
        assert not _is_zip(blob)
    assert _is_zip(_zip())
    assert _is_zip(b"PK\x05\x06" + bytes(18))  # the empty archive


def test_megabytes_of_padding_in_jpeg_header(jpeg: bytes) -> None:
    # Pillow's header parser would step through these one byte at a time
    _refused(jpeg[:2] + b"\xff" * 5_000_000 + jpeg[2:], "corrupt")
    _refused(b"\xff\xd8\xff" + bytes(5_000_000), "corrupt")


def test_gif_made_of_tiny_sub_blocks() -> None:
    header = _gif(1)[:-1]
    # a comment extension of 300,000 one-byte sub-blocks
    crafted = header + b"\x21\xfe" + b"\x01a" * 300_000 + b"\x00" + b"\x3b"
    _refused(crafted, "decompression_bomb")


def test_png_made_of_tiny_chunks() -> None:
    png = _encode(Image.fromarray(_noise(8, 8)), "PNG")
    chunks = _chunk(b"tEXt", b"") * 200_000
    _refused(png[:33] + chunks + png[33:], "decompression_bomb")


def test_tiff_ifd_chain_is_counted_without_pillow() -> None:
    # an IFD chain that loops back on itself is counted once per IFD
    base = _encode(Image.fromarray(_noise(8, 8)), "TIFF")
    assert _tiff_frames(base, 10) == 1
    order = "<" if base[:2] == b"II" else ">"
    (ifd0,) = struct.unpack_from(order + "I", base, 4)
    (entries,) = struct.unpack_from(order + "H", base, ifd0)
    looped = bytearray(base)
    struct.pack_into(order + "I", looped, ifd0 + 2 + entries * 12, ifd0)
    assert _tiff_frames(bytes(looped), 10) == 1
    assert decode_image(bytes(looped)).frame_count == 1


def test_progressive_jpeg_with_too_many_scans() -> None:
    # SOF2 (progressive) then 300 tiny scans: a CPU bomb, refused before decoding
    sof = _jpeg_segment(0xC2, struct.pack(">BHHB", 8, 16, 16, 1) + b"\x01\x11\x00")
    scan = _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x00"
    data = b"\xff\xd8" + sof + scan * 300 + b"\xff\xd9"
    assert _jpeg_walk(data).scans == MAX_JPEG_SCANS + 1
    _refused(data, "decompression_bomb")


def test_jpeg_walk_finds_end_and_skips_exif_thumbnail(jpeg: bytes) -> None:
    assert _jpeg_walk(jpeg) == (1, len(jpeg), 0)  # scans, end, stray header bytes
    # an EXIF thumbnail is a whole JPEG inside APP1: its scan and EOI must not count
    with_thumb = jpeg[:2] + _jpeg_segment(0xE1, b"Exif\x00\x00" + jpeg) + jpeg[2:]
    assert _jpeg_walk(with_thumb) == (1, len(with_thumb), 0)
    assert _jpeg_walk(jpeg[:-100]) == (1, None, 0)
    padded = jpeg[:2] + b"\xff" * 10 + jpeg[2:]  # fill bytes are legal
    assert _jpeg_walk(padded) == (1, len(padded), 10)
    assert decode_image(padded).pixels.shape == (240, 320, 3)


# --------------------------------------------------------------------------- decoded


def _assert_rgb(result: DecodedImage) -> None:
    assert result.pixels.dtype == np.uint8
    assert result.pixels.ndim == 3 and result.pixels.shape[2] == 3
    assert result.pixels.flags["C_CONTIGUOUS"]


def test_plain_jpeg(jpeg: bytes) -> None:
    result = decode_image(jpeg)
    _assert_rgb(result)
    assert (result.width, result.height, result.format, result.mode) == (320, 240, "JPEG", "RGB")
    assert result.pixels.shape == (240, 320, 3)
    assert result.frame_count == 1 and not result.reduced and result.warnings == ()
    assert result.file_size == len(jpeg)
    assert result.to_pil().size == (320, 240)


def test_trailing_data_and_extension_mismatch_are_warnings(jpeg: bytes, tmp_path: Path) -> None:
    assert decode_image(jpeg + b"some trailer").warnings == ("trailing_data",)
    png = _encode(Image.fromarray(_noise(8, 8)), "PNG")
    path = tmp_path / "photo.jpg"
    path.write_bytes(png)
    assert decode_image(path).warnings == ("extension_mismatch",)
    assert decode_image(png, filename="photo.PNG").warnings == ()
    assert decode_image(png, filename="no_extension").warnings == ()


def test_cmyk_jpeg() -> None:
    # pure cyan, magenta, yellow and black stripes
    cmyk = Image.new("CMYK", (64, 16))
    for i, ink in enumerate([(255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0), (0, 0, 0, 255)]):
        cmyk.paste(ink, (i * 16, 0, i * 16 + 16, 16))
    result = decode_image(_encode(cmyk, "JPEG", quality=95))
    _assert_rgb(result)
    assert result.mode == "CMYK"
    centres = [result.pixels[8, i * 16 + 8].astype(int) for i in range(4)]
    expected = [(0, 255, 255), (255, 0, 255), (255, 255, 0), (0, 0, 0)]
    for got, want in zip(centres, expected, strict=True):
        assert np.abs(got - np.array(want)).max() < 24, (got, want)


def test_16_bit_grayscale_png_is_scaled_not_clipped() -> None:
    ramp = (np.arange(256, dtype=np.uint32) * 257).astype(np.uint16)  # 0..65535
    data = _encode(Image.fromarray(np.tile(ramp, (4, 1))), "PNG")
    result = decode_image(data)
    assert result.mode.startswith("I;16")
    _assert_rgb(result)
    assert np.array_equal(result.pixels[0, :, 0], np.arange(256, dtype=np.uint8))
    assert np.array_equal(result.pixels[..., 0], result.pixels[..., 2])


def test_16_bit_rgb_png() -> None:
    h, w = 4, 8
    rgb16 = np.zeros((h, w, 3), dtype=">u2")
    rgb16[..., 0] = 0xFF00  # red high byte 255
    rgb16[..., 1] = 0x8080  # green high byte 128
    rgb16[..., 2] = 0x00FF  # blue high byte 0
    rows = b"".join(b"\x00" + rgb16[y].tobytes() for y in range(h))
    result = decode_image(_png(w, h, depth=16, color=2, idat=zlib.compress(rows)))
    _assert_rgb(result)
    assert tuple(result.pixels[0, 0]) == (255, 128, 0)


def test_palette_png_with_transparency() -> None:
    pal = Image.new("P", (16, 16), 1)
    pal.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    pal.paste(0, (0, 0, 8, 16))  # left half: index 0, made transparent below
    data = _encode(pal, "PNG", transparency=0)
    plain = decode_image(data)
    _assert_rgb(plain)
    assert plain.mode == "P" and plain.has_alpha
    assert tuple(plain.pixels[0, 12]) == (200, 30, 30)
    white = decode_image(data, background=(255, 255, 255))
    assert tuple(white.pixels[0, 0]) == (255, 255, 255)  # transparent -> background
    assert tuple(white.pixels[0, 12]) == (200, 30, 30)


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "1", "I", "F"])
def test_other_modes_become_rgb(mode: str) -> None:
    base = Image.fromarray(_smooth(24, 32))
    if mode == "I":
        im = Image.fromarray(np.asarray(base.convert("L")).astype(np.int32) * 257)
    elif mode == "F":
        im = Image.fromarray(np.asarray(base.convert("L")).astype(np.float32) / 255.0)
    else:
        im = base.convert(mode)
    fmt = "TIFF" if mode in ("I", "F") else "PNG"
    result = decode_image(_encode(im, fmt))
    _assert_rgb(result)
    assert result.pixels.shape == (24, 32, 3)
    assert result.pixels.max() > 200 and result.pixels.min() < 60  # scaled, not clipped/black


def test_multipage_tiff() -> None:
    pages = [Image.fromarray(_noise(8, 8)) for _ in range(3)]
    buf = io.BytesIO()
    pages[0].save(buf, "TIFF", save_all=True, append_images=pages[1:])
    result = decode_image(buf.getvalue())
    assert (result.format, result.frame_count) == ("TIFF", 3)
    assert np.array_equal(result.pixels, np.asarray(pages[0]))
    _refused(buf.getvalue(), "too_many_frames", max_frames=2)


def _exif_jpeg(orientation: int) -> bytes:
    pixels = np.zeros((20, 40, 3), dtype=np.uint8)
    pixels[:, :20] = (255, 0, 0)  # left half red
    pixels[:, 20:] = (0, 0, 255)  # right half blue
    exif = Image.Exif()
    exif[271] = "Canon"
    exif[272] = "Canon EOS 5D Mark IV"
    exif[305] = "GIMP 2.10"
    exif[274] = orientation
    sub = exif.get_ifd(0x8769)
    sub[36867] = "2023:05:17 14:03:22"
    sub[36881] = "+02:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.88)
    gps[3], gps[4] = "W", (2.0, 17.0, 40.2)
    return _encode(Image.fromarray(pixels), "JPEG", exif=exif, quality=95)


def _is_red(px: np.ndarray) -> bool:
    return bool(px[0] > 200 and px[2] < 60)


def test_exif_orientation_6_rotates_pixels() -> None:
    data = _exif_jpeg(6)
    result = decode_image(data)
    assert result.orientation == 6 and result.orientation_applied
    # 6 = rotate 90 degrees clockwise to display: the left (red) half ends on top
    assert result.pixels.shape == (40, 20, 3)
    assert (result.width, result.height) == (20, 40)
    assert _is_red(result.pixels[2, 10]) and not _is_red(result.pixels[-3, 10])
    raw = decode_image(data, apply_orientation=False)
    assert raw.pixels.shape == (20, 40, 3) and not raw.orientation_applied
    assert _is_red(raw.pixels[10, 2])


def test_exif_fields() -> None:
    result = decode_image(_exif_jpeg(1))
    assert result.camera_make == "Canon"
    assert result.camera_model == "Canon EOS 5D Mark IV"
    assert result.software == "GIMP 2.10"
    assert result.capture_time == datetime(
        2023, 5, 17, 14, 3, 22, tzinfo=timezone(timedelta(hours=2))
    )
    assert result.gps_lat == pytest.approx(48.8583, abs=1e-4)
    assert result.gps_lon == pytest.approx(-2.2945, abs=1e-4)
    assert result.orientation == 1 and not result.orientation_applied


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_broken_exif_is_a_warning_not_an_error() -> None:
    exif = Image.Exif()
    exif[306] = "0000:00:00 00:00:00"  # the classic "no clock" value
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (123.0, 0.0, 0.0)  # out of range
    gps[3], gps[4] = "E", (2.0, 0.0, 0.0)
    data = _encode(Image.fromarray(_smooth(16, 16)), "JPEG", exif=exif)
    result = decode_image(data)
    assert result.capture_time is None and result.gps_lat is None and result.gps_lon is None
    # APP1 that claims to be EXIF but is garbage
    garbage = data[:2] + _jpeg_segment(0xE1, b"Exif\x00\x00MM\x00*\xff\xff\xff\xff") + data[2:]
    assert decode_image(garbage).pixels.shape == (16, 16, 3)


# --------------------------------------------------------------------------- for hashing


def test_decode_for_hashing_reduces_large_jpeg() -> None:
    big = _encode(Image.fromarray(_smooth(1100, 1650)), "JPEG", quality=92)
    small = decode_for_hashing(big)  # decoded at 1/2 scale by the JPEG decoder, then resized
    assert (small.width, small.height) == (1650, 1100)
    assert small.reduced and max(small.pixels.shape[:2]) == HASHING_MAX_SIDE
    assert small.pixels.shape == (341, 512, 3)
    full = decode_image(big)
    assert full.pixels.shape == (1100, 1650, 3)
    hash_small, quality = pdq_hash(small.pixels)
    hash_full, _ = pdq_hash(full.pixels)
    assert quality >= 50
    assert hamming(hash_small, hash_full) <= 16


def test_decode_for_hashing_keeps_small_images_and_orientation() -> None:
    result = decode_for_hashing(_exif_jpeg(6))
    assert result.pixels.shape == (40, 20, 3) and not result.reduced
    big = _encode(Image.fromarray(_smooth(600, 1000)), "PNG")
    reduced = decode_for_hashing(big, max_side=100)
    assert reduced.pixels.shape == (60, 100, 3)
    with pytest.raises(DecodeError):
        decode_for_hashing(_gif(2000))
