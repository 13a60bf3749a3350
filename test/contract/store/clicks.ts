import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { KyselyStore } from '../../../src/adapters/store/index.js';
import { DAY, HOUR, countClicks, type ParsedClick } from '../../../src/domain/clicks.js';
import { newId } from '../../../src/domain/ids.js';
import type { StatsQuery } from '../../../src/ports.js';
import { newLink, newUser, type ContractContext } from './fixtures.js';

export const DAY0 = Date.UTC(2024, 0, 10);
export const NOON = DAY0 + 12 * HOUR;
export const MIN = 60_000;

/** A parsed click of a desktop Chrome visitor from Germany, unless told otherwise. */
export const click = (linkId: string, at: number, over: Partial<ParsedClick> = {}): ParsedClick => ({
  key: newId(at), linkId, at, counted: false, bot: false, referrer: 'news.example', country: 'DE',
  browser: 'Chrome', os: 'Windows', device: 'desktop', ...over,
});
export const bot = (linkId: string, at: number): ParsedClick =>
  click(linkId, at, { bot: true, referrer: '(direct)', country: 'US', browser: '(unknown)', os: '(unknown)', device: 'bot' });

export function clicksContract({ store: s, withFreshStore }: ContractContext): void {
  const someLink = async (store: KyselyStore = s()) =>
    (await store.insertLink(newLink((await store.createUser(newUser())).id))).id;
  const linkClicks = async (id: string, store: KyselyStore = s()) => (await store.findLinkById(id))?.clicks;
  const stats = (linkId: string, over: Partial<StatsQuery> = {}, store: KyselyStore = s()) =>
    store.clickStats({ linkId, from: DAY0 - DAY, to: DAY0 + 3 * DAY, interval: 'hour', includeBots: false, ...over });

  describe('applyClicks', () => {
    test('returns how many clicks were new and adds them to the rollups and to links.clicks', async () => {
      const id = await someLink();
      const applied = await s().applyClicks([click(id, NOON + MIN), click(id, NOON + 59 * MIN), click(id, NOON + HOUR + 10 * MIN)]);
      assert.equal(applied, 3);
      assert.equal(await linkClicks(id), 3);
      const { total, series } = await stats(id);
      assert.equal(total, 3);
      assert.deepEqual(series, [{ t: NOON, clicks: 2 }, { t: NOON + HOUR, clicks: 1 }]);
    });

    test('when a click stands for n alike (grouped), then it counts n everywhere and in what is returned', async () => {
      const id = await someLink();
      const applied = await s().applyClicks([click(id, NOON + MIN, { n: 40 }), click(id, NOON + 2 * MIN, { n: 2, counted: true })]);
      assert.equal(applied, 42);
      assert.equal(await linkClicks(id), 40);
      assert.equal((await stats(id)).total, 42);
    });

    test('clicks the redirect already counted go to the rollups but not to links.clicks', async () => {
      const id = await someLink();
      const applied = await s().applyClicks([click(id, NOON, { counted: true }), click(id, NOON, { counted: true }), click(id, NOON)]);
      assert.equal(applied, 3);
      assert.equal(await linkClicks(id), 1);
      assert.equal((await stats(id)).total, 3);
    });

    test('applying the same batch again returns 0 and changes nothing', async () => {
      const id = await someLink();
      const batch = [click(id, NOON), click(id, NOON + HOUR, { country: 'FR' }), bot(id, NOON)];
      assert.equal(await s().applyClicks(batch), 3);
      const before = [await linkClicks(id), await stats(id, { includeBots: true })];
      assert.equal(await s().applyClicks(batch), 0);
      assert.equal(await s().applyClicks([...batch].reverse()), 0);
      assert.deepEqual([await linkClicks(id), await stats(id, { includeBots: true })], before);
    });

    test('a batch mixing applied and new clicks counts only the new ones', async () => {
      const id = await someLink();
      const [a, b, c, d] = [click(id, NOON), click(id, NOON), click(id, NOON), click(id, NOON + HOUR)];
      await s().applyClicks([a!, b!]);
      assert.equal(await s().applyClicks([a!, c!, b!, d!]), 2);
      assert.equal(await linkClicks(id), 4);
      assert.deepEqual((await stats(id)).series, [{ t: NOON, clicks: 3 }, { t: NOON + HOUR, clicks: 1 }]);
    });

    test('clicks of a deleted or never existing link are skipped, and the rest of the batch is applied', async () => {
      const [live, deleted] = [await someLink(), await someLink()];
      assert.equal(await s().deleteLink(deleted), true);
      const neverExisted = newId(NOON);
      const batch = [click(deleted, NOON), click(live, NOON), click(neverExisted, NOON), click(live, NOON + HOUR)];
      assert.equal(await s().applyClicks(batch), 2);
      assert.equal(await linkClicks(live), 2);
      assert.equal((await stats(live)).total, 2);
      assert.equal((await stats(deleted)).total, 0);
      assert.equal((await stats(neverExisted)).total, 0);
    });

    test('deleting a link deletes its click counts', async () => {
      const id = await someLink();
      await s().applyClicks([click(id, NOON), bot(id, NOON + HOUR)]);
      assert.equal(await s().deleteLink(id), true);
      assert.deepEqual(await s().db.selectFrom('click_counts').selectAll().where('link_id', '=', id).execute(), []);
    });

    test('clicks under one key are one delivery: all count, and coming again in any batch, none does', async () => {
      const id = await someLink();
      const key = newId(NOON);
      const entry = [click(id, NOON, { key }), click(id, NOON + MIN, { key })];
      assert.equal(await s().applyClicks(entry), 2);
      assert.equal(await s().applyClicks([...entry, click(id, NOON)]), 1);
      assert.equal(await linkClicks(id), 3);
      assert.equal((await stats(id)).total, 3);
    });

    test('clicks without a key are keyed by the batch id: the same batch applied again counts nothing', async () => {
      const id = await someLink();
      const unkeyed = [click(id, NOON, { key: undefined }), click(id, NOON, { key: undefined })];
      const batchId = newId(NOON);
      assert.equal(await s().applyClicks(unkeyed, batchId), 2);
      assert.equal(await s().applyClicks(unkeyed, batchId), 0);
      assert.equal(await s().applyClicks(unkeyed, newId(NOON)), 2, 'another batch');
      assert.equal(await linkClicks(id), 4);
    });

    test('a batch of 1,200 clicks over more than 500 links and count rows is applied completely', async () => {
      const [a, b] = [await someLink(), await someLink()];
      // Clicks of 600 links that do not exist come first, so the real links are looked up in a later chunk.
      const phantoms = Array.from({ length: 600 }, () => click(newId(NOON), NOON));
      const countries = ['DE', 'FR', 'US', 'NL', 'AT', 'CH', 'IT', 'ES', 'PL', 'SE'];
      const real = Array.from({ length: 1200 }, (_, i) => click(i % 2 ? a : b, NOON + (i % 40) * HOUR + i, {
        country: countries[Math.floor(i / 40) % 10]!, referrer: `r${i % 7}.example`, counted: i % 4 === 0,
      }));
      assert.ok(countClicks(real).length > 500, 'enough count rows to need several statements');
      assert.equal(await s().applyClicks([...phantoms, ...real]), 1200);
      assert.equal(await linkClicks(a), 600, 'a has the odd clicks, none of them counted by the redirect');
      assert.equal(await linkClicks(b), 300, 'every other click of b was counted by the redirect');
      const all = { from: NOON, to: NOON + 2 * DAY };
      const [statsA, statsB] = [await stats(a, all), await stats(b, all)];
      assert.equal(statsA.total, 600);
      assert.equal(statsB.total, 600);
      assert.equal(statsA.series.length, 20);
      assert.equal(statsA.breakdown.country.reduce((sum, v) => sum + v.clicks, 0), 600);
      assert.equal(await s().applyClicks(real), 0);
    });
  });

  describe('clickStats', () => {
    test('gives the total, the series and every breakdown of a link, each list by clicks, most first', async () => {
      const id = await someLink();
      await s().applyClicks([
        click(id, NOON, { referrer: 'a.example' }),
        click(id, NOON + 5 * MIN, { referrer: 'b.example', country: 'FR', browser: 'Firefox', os: 'Linux' }),
        click(id, NOON + HOUR, { referrer: 'b.example', country: 'FR', browser: 'Mobile Safari', os: 'iOS', device: 'mobile' }),
        click(id, NOON + 2 * HOUR, { referrer: 'b.example', country: 'FR' }),
        click(id, NOON + 2 * HOUR, { referrer: 'a.example', country: 'FR', browser: 'Firefox', os: 'Linux' }),
        click(id, NOON + 2 * HOUR + MIN, { referrer: '(direct)' }),
      ]);
      assert.deepEqual(await stats(id), {
        total: 6,
        series: [{ t: NOON, clicks: 2 }, { t: NOON + HOUR, clicks: 1 }, { t: NOON + 2 * HOUR, clicks: 3 }],
        breakdown: {
          referrer: [{ value: 'b.example', clicks: 3 }, { value: 'a.example', clicks: 2 }, { value: '(direct)', clicks: 1 }],
          country: [{ value: 'FR', clicks: 4 }, { value: 'DE', clicks: 2 }],
          browser: [{ value: 'Chrome', clicks: 3 }, { value: 'Firefox', clicks: 2 }, { value: 'Mobile Safari', clicks: 1 }],
          os: [{ value: 'Windows', clicks: 3 }, { value: 'Linux', clicks: 2 }, { value: 'iOS', clicks: 1 }],
          device: [{ value: 'desktop', clicks: 5 }, { value: 'mobile', clicks: 1 }],
        },
        destinations: [], rules: [],
      });
    });

    test('a link without clicks has total 0, no series and empty breakdowns', async () => {
      assert.deepEqual(await stats(await someLink()), {
        total: 0, series: [], breakdown: { referrer: [], country: [], browser: [], os: [], device: [] }, destinations: [], rules: [],
      });
    });

    test('series buckets start at the hour or at the UTC day', async () => {
      const id = await someLink();
      const at = [DAY0 + HOUR, DAY0 + HOUR + 30 * MIN, DAY0 + 13 * HOUR, DAY0 + DAY + 5 * HOUR + 59 * MIN];
      await s().applyClicks(at.map((t) => click(id, t)));
      const hourly = await stats(id, { interval: 'hour' });
      assert.deepEqual(hourly.series, [{ t: DAY0 + HOUR, clicks: 2 }, { t: DAY0 + 13 * HOUR, clicks: 1 }, { t: DAY0 + DAY + 5 * HOUR, clicks: 1 }]);
      const daily = await stats(id, { interval: 'day' });
      assert.deepEqual(daily.series, [{ t: DAY0, clicks: 3 }, { t: DAY0 + DAY, clicks: 1 }]);
      assert.equal(hourly.total, 4);
      assert.equal(daily.total, 4);
    });

    test('the range [from, to) includes a click at from and excludes a click at to', async () => {
      const id = await someLink();
      const [from, to] = [NOON, NOON + 3 * HOUR];
      await s().applyClicks([click(id, from - 1), click(id, from), click(id, to - 1), click(id, to)]);
      const { total, series } = await stats(id, { from, to });
      assert.equal(total, 2);
      assert.deepEqual(series, [{ t: from, clicks: 1 }, { t: to - HOUR, clicks: 1 }]);
    });

    test('without includeBots, bot clicks are left out of total, series and breakdowns; with it they count', async () => {
      const id = await someLink();
      await s().applyClicks([click(id, NOON), click(id, NOON), bot(id, NOON), bot(id, NOON + HOUR), bot(id, NOON + HOUR)]);
      const humans = await stats(id, { includeBots: false });
      assert.equal(humans.total, 2);
      assert.deepEqual(humans.series, [{ t: NOON, clicks: 2 }]);
      assert.deepEqual(humans.breakdown.device, [{ value: 'desktop', clicks: 2 }]);
      assert.deepEqual(humans.breakdown.country, [{ value: 'DE', clicks: 2 }]);
      assert.deepEqual(humans.breakdown.referrer, [{ value: 'news.example', clicks: 2 }]);
      const everyone = await stats(id, { includeBots: true });
      assert.equal(everyone.total, 5);
      assert.deepEqual(everyone.series, [{ t: NOON, clicks: 3 }, { t: NOON + HOUR, clicks: 2 }]);
      assert.deepEqual(everyone.breakdown.device, [{ value: 'bot', clicks: 3 }, { value: 'desktop', clicks: 2 }]);
      assert.deepEqual(everyone.breakdown.country, [{ value: 'US', clicks: 3 }, { value: 'DE', clicks: 2 }]);
    });

    test("another link's clicks never appear in a link's stats", async () => {
      const [mine, theirs] = [await someLink(), await someLink()];
      await s().applyClicks([click(mine, NOON), click(theirs, NOON), click(theirs, NOON, { country: 'JP' }), bot(theirs, NOON)]);
      const { total, series, breakdown } = await stats(mine, { includeBots: true });
      assert.equal(total, 1);
      assert.deepEqual(series, [{ t: NOON, clicks: 1 }]);
      assert.deepEqual(breakdown.country, [{ value: 'DE', clicks: 1 }]);
      assert.deepEqual(breakdown.device, [{ value: 'desktop', clicks: 1 }]);
    });
  });

  describe('compactClicks', () => {
    // Compaction touches every link and every id: each test runs on empty tables of its own.
    const [D1, D2, D3, D4] = [DAY0, DAY0 + DAY, DAY0 + 2 * DAY, DAY0 + 3 * DAY];
    const seed = (id: string) => [
      click(id, D1 + HOUR), click(id, D1 + 9 * HOUR, { country: 'FR', referrer: '(direct)' }), bot(id, D1 + 9 * HOUR),
      click(id, D2 + 23 * HOUR + 59 * MIN, { browser: 'Firefox' }), bot(id, D2 + 4 * HOUR),
      click(id, D3 + 2 * HOUR), click(id, D3 + 14 * HOUR, { device: 'mobile' }),
    ];
    /** The stats over the three days, without and with bots. */
    const views = (store: KyselyStore, id: string, interval: 'hour' | 'day') =>
      Promise.all([false, true].map((includeBots) => stats(id, { from: D1, to: D4, interval, includeBots }, store)));

    test('folds hourly rows before the day of foldBefore into day rows with the same totals and breakdowns', () =>
      withFreshStore(async (store) => {
        const id = await someLink(store);
        await store.applyClicks(seed(id));
        const dailyBefore = await views(store, id, 'day');
        await store.compactClicks(D3 + 10 * HOUR, D1);
        assert.deepEqual(await views(store, id, 'day'), dailyBefore, 'same totals, series and breakdowns, bots apart');
        assert.deepEqual(dailyBefore.map((v) => v.total), [5, 7]);
        const hourly = await stats(id, { from: D1, to: D4 }, store);
        assert.deepEqual(hourly.series, [
          { t: D1, clicks: 2 }, { t: D2, clicks: 1 }, // folded: at the start of their day, bots left out
          { t: D3 + 2 * HOUR, clicks: 1 }, { t: D3 + 14 * HOUR, clicks: 1 }, // the day of foldBefore stays hourly
        ]);
        assert.deepEqual(hourly.breakdown.browser, [{ value: 'Chrome', clicks: 4 }, { value: 'Firefox', clicks: 1 }]);
        assert.equal(await linkClicks(id, store), 7, 'links.clicks is not touched');
      }));

    test('compacting twice changes nothing more, and a late click for a folded day joins its day row', () =>
      withFreshStore(async (store) => {
        const id = await someLink(store);
        await store.applyClicks(seed(id));
        await store.compactClicks(D3, D1);
        const once = [await views(store, id, 'hour'), await views(store, id, 'day')];
        await store.compactClicks(D3, D1);
        assert.deepEqual([await views(store, id, 'hour'), await views(store, id, 'day')], once);

        await store.applyClicks([click(id, D1 + 20 * HOUR, { country: 'FR' })]);
        await store.compactClicks(D3, D1);
        const daily = await stats(id, { from: D1, to: D4, interval: 'day' }, store);
        assert.deepEqual(daily.series, [{ t: D1, clicks: 3 }, { t: D2, clicks: 1 }, { t: D3, clicks: 2 }]);
        assert.deepEqual(daily.breakdown.country, [{ value: 'DE', clicks: 4 }, { value: 'FR', clicks: 2 }]);
        assert.deepEqual((await stats(id, { from: D1, to: D2 }, store)).series, [{ t: D1, clicks: 3 }]);
      }));

    test('forgets the ids of clicks before forgetIdsBefore, so such a click would count again, and keeps newer ones', () =>
      withFreshStore(async (store) => {
        const id = await someLink(store);
        const [old, atCutoff, recent] = [click(id, D1 + HOUR), click(id, D2), click(id, D3 + HOUR)];
        assert.equal(await store.applyClicks([old, atCutoff, recent]), 3);
        await store.compactClicks(D1, D2);
        // The dedupe window: a redelivery older than forgetIdsBefore is no longer recognised.
        assert.equal(await store.applyClicks([old]), 1);
        assert.equal(await store.applyClicks([atCutoff, recent]), 0);
        assert.equal(await linkClicks(id, store), 4);
        assert.equal((await stats(id, { from: D1, to: D4 }, store)).total, 4);
      }));
  });
}

