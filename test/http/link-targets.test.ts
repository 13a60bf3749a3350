import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachDialect, problem, signUpAndIn, type Caller } from '../support/app.js';

/** Kurz at a loopback BASE_URL, as in development: the spellings of its own host are what loops. */
const PORT = 41999;
const BASE_URL = `http://127.0.0.1:${PORT}`;
const LOOP = /redirect loop/;
const PRIVATE = /private, loopback, link-local/;

for (const allowPrivate of [false, true]) {
  describeEachDialect(`link targets with ALLOW_PRIVATE_URLS=${allowPrivate}`, ({ app }) => {
    let ann: Caller;
    let linkId: string;
    const create = (url: string) => app().inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url } });
    const links = async () => (await app().inject({ url: '/api/v1/links?limit=100', headers: ann.auth })).json().data;

    before(async () => {
      ann = await signUpAndIn(app());
      linkId = (await create('https://example.com/start')).json().id;
    });

    test('when a link points at Kurz itself in another spelling, then 400 naming url (create, PUT, PATCH), and nothing changes', async () => {
      const before = await links();
      for (const url of [`http://localhost:${PORT}/code`, `http://[::ffff:127.0.0.1]:${PORT}/code`, `http://2130706433:${PORT}/x`, 'http://localhost./x', 'http://127.0.0.1:9/x']) {
        for (const res of [
          await create(url),
          await app().inject({ method: 'PUT', url: `/api/v1/links/${linkId}`, headers: ann.auth, payload: { url } }),
          await app().inject({ method: 'PATCH', url: `/api/v1/links/${linkId}`, headers: ann.auth, payload: { url } }),
        ]) {
          assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
          const body = problem(res);
          assert.ok(body.errors?.every((e) => e.field === 'url'));
          assert.match(body.detail, LOOP, url);
        }
      }
      assert.deepEqual(await links(), before);
    });

    test(`when a link points at a private or metadata address, then ${allowPrivate ? 'it is accepted' : '400 naming url'}`, async () => {
      for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://[::ffff:192.168.0.1]/', 'http://[fd00:ec2::254]/', 'http://printer.local/']) {
        const res = await create(url);
        if (allowPrivate) {
          assert.equal(res.statusCode, 201, `${url}: ${res.body}`);
        } else {
          assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
          assert.deepEqual(problem(res).errors?.map((e) => e.field), ['url']);
          assert.match(problem(res).detail, PRIVATE, url);
        }
      }
    });

    test('when a URL is longer than 2,048 characters once normalized, then 400 naming url, and nothing is stored', async () => {
      const before = await links();
      const res = await create(`https://example.com/${'é'.repeat(2000)}`);
      assert.equal(res.statusCode, 400, res.body);
      assert.deepEqual(problem(res).errors?.map((e) => e.field), ['url']);
      assert.deepEqual(await links(), before);
      const longest = await create(`https://example.com/${'é'.repeat(338)}`);
      assert.equal(longest.statusCode, 201, longest.body);
      assert.equal(longest.json().url.length, 2048);
    });
  }, { env: { BASE_URL, ALLOW_PRIVATE_URLS: String(allowPrivate) } });
}
