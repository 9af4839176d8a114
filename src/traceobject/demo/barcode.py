"""A real EAN-13 encoder drawing with Pillow (Django-free)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from traceobject.demo.text import draw_text

# Odd-parity (L), even-parity (G) and right-hand (R) codes of the digits 0-9.
L_CODES = ("0001101", "0011001", "0010011", "0111101", "0100011",
           "0110001", "0101111", "0111011", "0110111", "0001011")
G_CODES = ("0100111", "0110011", "0011011", "0100001", "0011101",
           "0111001", "0000101", "0010001", "0001001", "0010111")
R_CODES = ("1110010", "1100110", "1101100", "1000010", "1011100",
           "1001110", "1010000", "1000100", "1001000", "1110100")
# Which of the six left-hand digits use L or G, chosen by the first (implicit) digit.
PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
          "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")
START = END = "101"
MIDDLE = "01010"
QUIET_MODULES = 11  # left quiet zone (right needs 7; we use 11 on both sides)
MODULES = 95


def ean13_check_digit(twelve: str) -> int:
    if len(twelve) != 12 or not twelve.isascii() or not twelve.isdigit():
        raise ValueError("An EAN-13 check digit is computed from exactly 12 digits.")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return (10 - total % 10) % 10


def ean13_normalize(digits: str) -> str:
    """12 digits -> 13 with the check digit; 13 digits are verified. ValueError otherwise."""
    digits = digits.strip()
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"An EAN-13 code has only digits, not {digits!r}.")
    if len(digits) == 12:
        return digits + str(ean13_check_digit(digits))
    if len(digits) == 13:
        if int(digits[12]) != ean13_check_digit(digits[:12]):
            raise ValueError(f"Wrong EAN-13 check digit in {digits}.")
        return digits
    raise ValueError(f"An EAN-13 code has 12 or 13 digits, not {len(digits)}.")


def ean13_modules(digits: str) -> str:
    """The 95 modules ('1' bar, '0' space) of the code, guards included."""
    code = ean13_normalize(digits)
    parity = PARITY[int(code[0])]
    left = "".join(
        (L_CODES if p == "L" else G_CODES)[int(d)] for p, d in zip(parity, code[1:7], strict=True)
    )
    right = "".join(R_CODES[int(d)] for d in code[7:13])
    modules = START + left + MIDDLE + right + END
    assert len(modules) == MODULES
    return modules


def _guard_positions() -> frozenset[int]:
    return frozenset(list(range(3)) + list(range(45, 50)) + list(range(92, 95)))


def ean13_image(digits: str, module_px: int = 3) -> Image.Image:
    """A white RGB image of the barcode: quiet zones, guard bars longer, digits below."""
    if module_px < 1:
        raise ValueError("module_px must be at least 1.")
    code = ean13_normalize(digits)
    modules = ean13_modules(code)
    m = module_px
    quiet = QUIET_MODULES * m
    bar_height = 60 * m
    guard_extra = 5 * m
    text_size = max(8, int(9 * m))
    width = quiet * 2 + MODULES * m
    height = 4 * m + bar_height + m + int(text_size * 1.3) + m
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    top = 4 * m
    guards = _guard_positions()
    for i, bit in enumerate(modules):
        if bit == "1":
            x = quiet + i * m
            bottom = top + bar_height + (guard_extra if i in guards else 0)
            draw.rectangle([x, top, x + m - 1, bottom - 1], fill=(0, 0, 0))
    text_top = top + bar_height + m
    black = (0, 0, 0)
    draw_text(draw, (quiet - 2 * m, text_top), code[0], text_size, black, anchor="ra")
    for i, d in enumerate(code[1:7]):
        draw_text(draw, (quiet + (3 + 7 * i + 3.5) * m, text_top), d, text_size, black, "ma")
    for i, d in enumerate(code[7:13]):
        draw_text(draw, (quiet + (50 + 7 * i + 3.5) * m, text_top), d, text_size, black, "ma")
    return image


def ean13_decode_modules(image: Image.Image, module_px: int = 3) -> str:
    """Read the 95 modules back from an `ean13_image` by sampling the middle of each column."""
    gray = image.convert("L")
    y = 4 * module_px + 30 * module_px
    x0 = QUIET_MODULES * module_px
    return "".join(
        "1" if gray.getpixel((x0 + i * module_px + module_px // 2, y)) < 128 else "0"  # type: ignore[operator]
        for i in range(MODULES)
    )
