// Renders assets/icons/taskwire.png (512×512, the size Claude Desktop recommends) from the same geometry as assets/icons/taskwire.svg:
// MCP Bundles (manifest.json `icon`) need a PNG, and no image tool is a dependency. Run after changing the SVG:
//   node scripts/render-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const SCALE = SIZE / 64; // the SVG's viewBox is 64×64
const BLUE = [0x1f, 0x6f, 0xeb];
const WHITE = [0xff, 0xff, 0xff];
const CHECK = [
  [18, 33],
  [27, 42],
  [46, 21],
];

function inRoundedSquare(x, y) {
  const [lo, hi, r] = [4, 60, 12];
  if (x < lo || x > hi || y < lo || y > hi) return false;
  const cx = Math.min(Math.max(x, lo + r), hi - r);
  const cy = Math.min(Math.max(y, lo + r), hi - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function distanceToSegment(px, py, [ax, ay], [bx, by]) {
  const t = Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
}

const onCheck = (x, y) => Math.min(distanceToSegment(x, y, CHECK[0], CHECK[1]), distanceToSegment(x, y, CHECK[1], CHECK[2])) <= 3;

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
const SS = 4; // 4×4 supersampling for smooth edges
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < SIZE; x++) {
    let [r, g, b, a] = [0, 0, 0, 0];
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const ux = (x + (sx + 0.5) / SS) / SCALE;
        const uy = (y + (sy + 0.5) / SS) / SCALE;
        if (!inRoundedSquare(ux, uy)) continue;
        const c = onCheck(ux, uy) ? WHITE : BLUE;
        r += c[0];
        g += c[1];
        b += c[2];
        a += 255;
      }
    }
    const n = SS * SS;
    const o = y * (SIZE * 4 + 1) + 1 + x * 4;
    const covered = a / 255;
    raw[o] = covered ? Math.round(r / covered) : 0;
    raw[o + 1] = covered ? Math.round(g / covered) : 0;
    raw[o + 2] = covered ? Math.round(b / covered) : 0;
    raw[o + 3] = Math.round(a / n);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../assets/icons/taskwire.png', import.meta.url), png);
console.log(`assets/icons/taskwire.png: ${SIZE}×${SIZE}, ${png.length} bytes`);
