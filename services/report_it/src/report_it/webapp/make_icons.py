"""Draw the field app's icons (a white map pin on the council blue) with Pillow: `python make_icons.py`."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (11, 61, 107, 255)
WHITE = (255, 255, 255, 255)
YELLOW = (255, 221, 0, 255)
OUT = Path(__file__).parent / "static" / "icons"


def draw(size: int, *, safe_zone: float) -> Image.Image:
    """A pin filling `safe_zone` of the square (maskable icons keep their content in the central 80%)."""
    scale = 4  # draw large, then shrink, for smooth edges
    s = size * scale
    image = Image.new("RGBA", (s, s), BLUE)
    pen = ImageDraw.Draw(image)
    box = s * safe_zone
    cx, top = s / 2, (s - box) / 2
    radius = box * 0.30
    cy = top + box * 0.36
    pen.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=WHITE)
    pen.polygon(
        [(cx - radius * 0.86, cy + radius * 0.5), (cx + radius * 0.86, cy + radius * 0.5), (cx, top + box * 0.95)],
        fill=WHITE,
    )
    dot = radius * 0.42
    pen.ellipse((cx - dot, cy - dot, cx + dot, cy + dot), fill=YELLOW)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, zone in [
        ("icon-192.png", 192, 0.9),
        ("icon-512.png", 512, 0.9),
        ("maskable-512.png", 512, 0.7),
        ("apple-touch-icon.png", 180, 0.8),
    ]:
        draw(size, safe_zone=zone).convert("RGB").save(OUT / name, optimize=True)


if __name__ == "__main__":
    main()
