# Run from mobile-client/assets: python3 ../tools/icons.py
# Draws Tocsin's app icon (a white warning triangle with a dark exclamation mark on dark red)
# as PNGs without any imaging library: 4x4 supersampling, palette-free RGB, zlib level 9.
import struct, zlib, sys

BG = (139, 0, 0)
WHITE = (255, 255, 255)
DARK = (40, 0, 0)

def inside_tri(x, y, a, b, c):
    def s(p, q, r):
        return (p[0]-r[0])*(q[1]-r[1]) - (q[0]-r[0])*(p[1]-r[1])
    d1, d2, d3 = s((x, y), a, b), s((x, y), b, c), s((x, y), c, a)
    neg = d1 < 0 or d2 < 0 or d3 < 0
    pos = d1 > 0 or d2 > 0 or d3 > 0
    return not (neg and pos)

def colour(u, v):
    # u, v in 0..1. The triangle stays inside the central 80 % (maskable safe zone).
    tri = ((0.5, 0.2), (0.82, 0.76), (0.18, 0.76))
    if not inside_tri(u, v, *tri):
        return BG
    if 0.465 <= u <= 0.535 and 0.36 <= v <= 0.6:
        return DARK
    if (u-0.5)**2 + (v-0.67)**2 <= 0.04**2:
        return DARK
    return WHITE

def png(size, path):
    n = 4
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            acc = [0, 0, 0]
            for sy in range(n):
                for sx in range(n):
                    c = colour((x + (sx+0.5)/n)/size, (y + (sy+0.5)/n)/size)
                    acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]
            row += bytes(v // (n*n) for v in acc)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    open(path, "wb").write(data)

for size in (192, 512):
    png(size, f"icon-{size}.png")
