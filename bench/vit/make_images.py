# A folder of labelled images for `carbonlens bench --dataset`: 32x32 PNGs of seeded noise with
# CIFAR-10 labels in rotation, and labels.csv. Written with zlib alone (no PIL on every machine).
#   python3 bench/vit/make_images.py OUT_DIR COUNT
import os
import random
import struct
import sys
import zlib

out, count = sys.argv[1], int(sys.argv[2])
labels = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
os.makedirs(out, exist_ok=True)
rnd = random.Random(1)


def png(width, height, rgb):
    raw = b"".join(b"\x00" + rgb[y * width * 3 : (y + 1) * width * 3] for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


with open(os.path.join(out, "labels.csv"), "w") as f:
    f.write("file,label\n")
    for i in range(count):
        name = f"{i:05d}.png"
        with open(os.path.join(out, name), "wb") as img:
            img.write(png(32, 32, bytes(rnd.randrange(256) for _ in range(32 * 32 * 3))))
        f.write(f"{name},{labels[i % 10]}\n")
print(f"wrote {count} images to {out}")
