import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import { createTestApp, describeEachDialect, problem, signUpAndIn, type Caller, type TestApp } from '../support/app.js';
import type { CachedQrRenderer } from '../../src/adapters/qr/cached-renderer.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A square image as "is this point dark?", over `size` units (pixels for a PNG, viewBox units for an SVG). */
interface Picture {
  size: number;
  dark(x: number, y: number): boolean;
}

/** Decodes an 8-bit, non-interlaced greyscale, RGB or RGBA PNG (what qrcode writes) with node:zlib alone. */
function decodePng(png: Buffer): Picture & { width: number; height: number } {
  assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  let at = 8;
  let width = 0, height = 0, depth = 0, colour = 0, interlace = 0;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8]!;
      colour = data[9]!;
      interlace = data[12]!;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colour];
  assert.ok(depth === 8 && channels !== undefined && interlace === 0, `unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[out + i - channels]! : 0;
      const b = y > 0 ? pixels[out - stride + i]! : 0;
      const c = y > 0 && i >= channels ? pixels[out - stride + i - channels]! : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      assert.ok(predictor !== undefined, `PNG filter ${filter}`);
      pixels[out + i] = (line[i]! + predictor) & 0xff;
    }
  }
  const dark = (x: number, y: number) => {
    const i = (Math.floor(y) * width + Math.floor(x)) * channels;
    const grey = channels >= 3 ? (pixels[i]! + pixels[i + 1]! + pixels[i + 2]!) / 3 : pixels[i]!;
    const alpha = channels === 4 ? pixels[i + 3]! : channels === 2 ? pixels[i + 1]! : 255;
    return alpha > 127 && grey < 128;
  };
  return { width, height, size: width, dark };
}

/** Reads the modules of qrcode's SVG: a square viewBox and one stroked path of `M x y` / `m dx 0` / `h n` runs. */
function decodeSvg(svg: string): Picture {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  assert.ok(viewBox && viewBox[1] === viewBox[2], 'a square viewBox');
  const size = Number(viewBox[1]);
  const path = /<path[^>]*\bstroke="#000000"[^>]*\bd="([^"]*)"/.exec(svg);
  assert.ok(path, 'a dark stroked path');
  const grid = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  let x = 0, y = 0;
  for (const [, cmd, a, b] of path[1]!.matchAll(/([MmHhVv])\s*(-?[\d.]+)(?:[ ,](-?[\d.]+))?/g)) {
    const n = Number(a);
    if (cmd === 'M') [x, y] = [n, Number(b)];
    else if (cmd === 'm') [x, y] = [x + n, y + Number(b ?? 0)];
    else if (cmd === 'h') {
      for (let i = 0; i < n; i++) grid[Math.floor(y)]![x + i] = true;
      x += n;
    } else assert.fail(`unexpected path command ${cmd}`);
  }
  return { size, dark: (px, py) => grid[Math.floor(py)]?.[Math.floor(px)] ?? false };
}

/**
 * Whether the picture is the QR code of `text`: for some error-correction level and quiet zone, every
 * module sampled at its centre matches the symbol qrcode builds for that text, and the quiet zone is light.
 * Short of a full decoder, this proves which text the image encodes.
 */
function encodes(picture: Picture, text: string): boolean {
  for (const level of ['L', 'M', 'Q', 'H'] as const) {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: level });
    for (let margin = 0; margin <= 8; margin++) {
      const units = modules.size + 2 * margin;
      const scale = picture.size / units;
      if (scale < 1) continue;
      const at = (i: number) => (margin + i + 0.5) * scale;
      let same = true;
      for (let r = -margin; same && r < modules.size + margin; r++) {
        for (let c = -margin; same && c < modules.size + margin; c++) {
          const inside = r >= 0 && c >= 0 && r < modules.size && c < modules.size;
          const want = inside ? modules.get(r, c) === 1 : false;
          if (picture.dark(at(c), at(r)) !== want) same = false;
        }
      }
      if (same) return true;
    }
  }
  return false;
}

describeEachDialect('link QR codes', ({ app, t, admin }) => {
  let ann: Caller;
  let bob: Caller;
  let link: { id: string; code: string; short_url: string };
  let other: { id: string; code: string; short_url: string };
  const qr = (id: string, format: 'svg' | 'png', caller: Caller | undefined, query = '') =>
    app().inject({ url: `/api/v1/links/${id}/qr.${format}${query}`, headers: caller?.auth ?? {} });

  before(async () => {
    ann = await signUpAndIn(app());
    bob = await signUpAndIn(app());
    const create = async (payload: object) => {
      const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };
    link = await create({ url: 'https://example.com/qr-one' });
    other = await create({ url: 'https://example.com/qr-two' });
  });

  test('when the owner asks for the SVG, answers 200 image/svg+xml encoding the short URL', async () => {
    const res = await qr(link.id, 'svg', ann);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^image\/svg\+xml/);
    assert.match(res.body.trimStart(), /^(<\?xml[^>]*>\s*)?<svg[\s>]/);
    assert.match(res.body.trimEnd(), /<\/svg>$/);
    assert.equal(res.headers['cache-control'], 'private, max-age=300', 'a browser may keep it, no shared cache');
    assert.equal(link.short_url, `http://kurz.test/${link.code}`);
    const picture = decodeSvg(res.body);
    assert.ok(encodes(picture, link.short_url), 'the SVG is the QR code of the short URL');
    assert.ok(!encodes(picture, other.short_url), 'and not of another link');
  });

  test('when a link is on a custom domain, then its QR code encodes the short URL on that domain', async () => {
    assert.equal((await app().inject({ method: 'POST', url: '/api/v1/domains', headers: admin().auth, payload: { hostname: 'qr.example' } })).statusCode, 201);
    const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/qr-domain', domain: 'qr.example' } });
    const onDomain = res.json();
    assert.equal(onDomain.short_url, `http://qr.example/${onDomain.code}`);
    assert.ok(encodes(decodeSvg((await qr(onDomain.id, 'svg', ann)).body), onDomain.short_url));
  });

  test('when two links are asked for, their SVGs differ and each encodes its own short URL', async () => {
    const one = await qr(link.id, 'svg', ann);
    const two = await qr(other.id, 'svg', ann);
    assert.notEqual(one.body, two.body);
    assert.ok(encodes(decodeSvg(two.body), other.short_url));
    assert.equal((await qr(link.id, 'svg', ann)).body, one.body, 'the same link gives the same image');
  });

  test('when the owner asks for the PNG, answers 200 image/png, 512 pixels square by default, encoding the short URL', async () => {
    const res = await qr(link.id, 'png', ann);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(res.headers['cache-control'], 'private, max-age=300');
    const body = res.rawPayload;
    assert.ok(body.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
    assert.equal(body.toString('latin1', 12, 16), 'IHDR');
    assert.equal(body.readUInt32BE(16), 512, 'width');
    assert.equal(body.readUInt32BE(20), 512, 'height');
    const picture = decodePng(body);
    assert.ok(encodes(picture, link.short_url), 'the PNG is the QR code of the short URL');
    assert.ok(!encodes(picture, other.short_url));
  });

  test('when ?size=256 is asked, answers a 256-pixel square PNG of the same code', async () => {
    const res = await qr(link.id, 'png', ann, '?size=256');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.rawPayload;
    assert.ok(body.subarray(0, 8).equals(PNG_SIGNATURE));
    assert.equal(body.readUInt32BE(16), 256, 'IHDR width');
    assert.equal(body.readUInt32BE(20), 256, 'IHDR height');
    assert.ok(encodes(decodePng(body), link.short_url));
  });

  test('when any size in range is asked, the PNG is exactly that many pixels wide and high', async () => {
    const wrong: string[] = [];
    for (const size of [64, 100, 118, 124, 200, 236, 243, 248, 253, 255, 300, 467, 1000, 1024, 2048]) {
      const res = await qr(link.id, 'png', ann, `?size=${size}`);
      assert.equal(res.statusCode, 200, `size ${size}`);
      const [width, height] = [res.rawPayload.readUInt32BE(16), res.rawPayload.readUInt32BE(20)];
      if (width !== size || height !== size) wrong.push(`size=${size} → ${width}×${height}`);
    }
    assert.deepEqual(wrong, [], 'every asked size is honoured');
  });

  test('when the code is the longest allowed (64 characters), the PNG still encodes it, and the smallest size is still 64 pixels', async () => {
    const code = 'L'.repeat(40) + '_-'.repeat(12);
    const created = await app().inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/long', code } });
    assert.equal(created.statusCode, 201, created.body);
    const { id } = created.json();
    const big = await qr(id, 'png', ann, '?size=512');
    assert.ok(encodes(decodePng(big.rawPayload), `http://kurz.test/${code}`));
    assert.ok(encodes(decodeSvg((await qr(id, 'svg', ann)).body), `http://kurz.test/${code}`));
    const small = await qr(id, 'png', ann, '?size=64');
    assert.equal(small.statusCode, 200);
    assert.equal(small.rawPayload.readUInt32BE(16), 64, 'IHDR width');
  });

  test('when the size is out of range or not an integer, answers 400 problem naming size', async () => {
    for (const size of ['10', '63', '2049', '5000', '0', '-5', '256.5', 'big']) {
      const res = await qr(link.id, 'png', ann, `?size=${size}`);
      assert.equal(res.statusCode, 400, `size=${size}`);
      const body = problem(res);
      assert.equal(body.errors?.[0]?.field, 'size', `size=${size}: ${res.body}`);
    }
  });

  test('when a query parameter other than size is sent, answers 400 problem', async () => {
    const res = await qr(link.id, 'png', ann, '?scale=3');
    assert.equal(res.statusCode, 400);
    problem(res);
  });

  test('when another user asks for a link\'s QR code, answers 404 problem like a missing link', async () => {
    for (const format of ['svg', 'png'] as const) {
      const res = await qr(link.id, format, bob);
      assert.equal(res.statusCode, 404, format);
      assert.equal(problem(res).status, 404);
      const missing = await qr('01a00000-0000-7000-8000-000000000000', format, ann);
      assert.equal(missing.statusCode, 404, `${format} of a missing id`);
      assert.equal(problem(missing).detail, problem(res).detail, 'the same answer as a missing link');
    }
  });

  test('when an admin asks for another user\'s link, answers its QR code', async () => {
    const res = await qr(link.id, 'svg', admin());
    assert.equal(res.statusCode, 200);
    assert.ok(encodes(decodeSvg(res.body), link.short_url));
  });

  test('when no token or a bad token is sent, answers 401 problem with WWW-Authenticate', async () => {
    for (const format of ['svg', 'png'] as const) {
      const res = await qr(link.id, format, undefined);
      assert.equal(res.statusCode, 401, format);
      problem(res);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      const bad = await app().inject({ url: `/api/v1/links/${link.id}/qr.${format}`, headers: { authorization: 'Bearer nope' } });
      assert.equal(bad.statusCode, 401);
      problem(bad);
    }
  });

  test('when the link\'s code changes, the QR code follows it', async () => {
    const before = (await qr(other.id, 'svg', ann)).body;
    const patched = await app().inject({ method: 'PATCH', url: `/api/v1/links/${other.id}`, headers: ann.auth, payload: { code: 'qr-renamed' } });
    assert.equal(patched.statusCode, 200, patched.body);
    const after = await qr(other.id, 'svg', ann);
    assert.notEqual(after.body, before);
    assert.ok(encodes(decodeSvg(after.body), 'http://kurz.test/qr-renamed'));
    other = patched.json();
  });

  test('when the worker that renders PNGs is terminated mid-render, that request answers 503 with Retry-After and the next PNG is rendered by a new worker', async () => {
    const { pool } = t().ctx.qr as CachedQrRenderer;
    const rendering = qr(link.id, 'png', ann, '?size=2047');
    while (pool.busyThreads.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(pool.busyThreads.map((worker) => worker.terminate()));
    const cut = await rendering;
    assert.equal(cut.statusCode, 503, String(cut.headers['content-type']));
    assert.ok(Number(cut.headers['retry-after']) >= 1);
    problem(cut);
    const res = await qr(link.id, 'png', ann, '?size=333');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.rawPayload.readUInt32BE(16), 333);
    assert.ok(encodes(decodePng(res.rawPayload), link.short_url));
  });
});

describe('QR renders are rate-limited per user in their own class', () => {
  let t: TestApp;
  let ann: Caller;
  let bob: Caller;
  let ids: string[];
  before(async () => {
    t = await createTestApp('sqlite', { env: { RATE_QR: '2:0.0001' } });
    await signUpAndIn(t.app);
    [ann, bob] = [await signUpAndIn(t.app), await signUpAndIn(t.app)];
    ids = [];
    for (const n of [1, 2, 3]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: `https://example.com/qr-rate/${n}` } });
      ids.push(res.json().id);
    }
  });
  after(() => t.close());

  test('when a user has had RATE_QR renders, the next render is a 429 with Retry-After; an image already rendered is still served, and another user is not affected', async () => {
    const get = (id: string, format: string, who = ann) => t.app.inject({ url: `/api/v1/links/${id}/qr.${format}`, headers: who.auth });
    assert.equal((await get(ids[0]!, 'png')).statusCode, 200);
    assert.equal((await get(ids[1]!, 'svg')).statusCode, 200);
    const limited = await get(ids[2]!, 'png');
    assert.equal(limited.statusCode, 429, limited.body);
    assert.ok(limited.headers['retry-after']);
    assert.equal(problem(limited).status, 429);
    assert.equal((await get(ids[0]!, 'png')).statusCode, 200, 'a kept image costs no render');
    assert.equal((await get(ids[1]!, 'svg')).statusCode, 200);
    const bobs = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: bob.auth, payload: { url: 'https://example.com/qr-rate/bob' } });
    assert.equal((await get(bobs.json().id, 'png', bob)).statusCode, 200, 'bob has a bucket of his own');
  });
});
