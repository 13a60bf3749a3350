/**
 * The `kurz` command as a real process: help, version, a typo, and a link made and listed on a SQLite
 * file, in a pipe with and without colour. Each spawn costs seconds: the commands' behaviour is tested
 * in-process (cli-commands.test.ts); this file checks what only a process shows.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAll, repoRoot, runKurz, tempDir } from './process-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 300_000 };
/** A spawn takes 1 to 3 s, much longer on a loaded machine: the bound only catches a hang. */
const SPAWN = { timeoutMs: 60_000 };
const ANSI = /\u001b\[/;
const nonEmpty = (text: string) => text.split('\n').filter((line) => line !== '');

describe('the kurz process', () => {
  test('when asked for --help, then it lists the commands and examples on stdout and exits 0', TIMEOUT, async () => {
    const ran = await runKurz(['--help'], SPAWN);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stderr, '');
    for (const command of ['serve', 'worker', 'migrate', 'link', 'user', 'key', 'domain', 'seed', 'help']) {
      assert.match(ran.stdout, new RegExp(`^  ${command} `, 'm'), `${command} is listed`);
    }
    assert.match(ran.stdout, /^Examples:$/m);
    assert.doesNotMatch(ran.stdout, ANSI, 'no colour in a pipe');
  });

  test('when a command is misspelt, then one line suggests the right one, and the exit is 2', TIMEOUT, async () => {
    const ran = await runKurz(['lnk'], SPAWN);
    assert.equal(ran.code, 2);
    assert.equal(ran.stdout, '');
    assert.deepEqual(nonEmpty(ran.stderr), ["kurz: unknown command 'lnk' (did you mean link?)"]);
  });

  test('when asked for --version, then it prints package.json\'s version', TIMEOUT, async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const ran = await runKurz(['--version'], SPAWN);
    assert.equal(ran.code, 0);
    assert.equal(ran.stdout, `${version}\n`);
  });

  test('when a link is created on a SQLite file, then link list shows it as JSON, and as a table coloured only when forced and NO_COLOR is unset', TIMEOUT, async (t) => {
    const tmp = tempDir();
    t.after(tmp.remove);
    const env = { DATABASE_URL: `sqlite:${join(tmp.dir, 'kurz.db')}` };
    assert.equal((await runKurz(['user', 'create', '--email', 'op@example.com'], { env: { ...env, KURZ_PASSWORD: 'correct horse battery staple' }, ...SPAWN })).code, 0);
    const created = await runKurz(['link', 'create', 'https://example.com/page', '--code', 'page', '--tag', 'docs'], { env, ...SPAWN });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^short url +http:\/\/localhost:8080\/page$/m);

    const listed = await runKurz(['link', 'list', '--json'], { env, ...SPAWN });
    assert.equal(listed.code, 0, listed.stderr);
    const rows = nonEmpty(listed.stdout).map((line) => JSON.parse(line) as { code: string; url: string; tags: string[] });
    assert.deepEqual(rows.map((r) => [r.code, r.url, r.tags]), [['page', 'https://example.com/page', ['docs']]]);

    const forced = await runKurz(['link', 'list'], { env: { ...env, FORCE_COLOR: '1' }, ...SPAWN });
    assert.match(forced.stdout, ANSI, 'FORCE_COLOR colours a pipe');
    const refused = await runKurz(['link', 'list'], { env: { ...env, FORCE_COLOR: '1', NO_COLOR: '1' }, ...SPAWN });
    assert.doesNotMatch(refused.stdout, ANSI, 'NO_COLOR wins');
    assert.match(refused.stdout, /^SHORT URL +URL +CLICKS +TAGS +TITLE +CREATED\nhttp:\/\/localhost:8080\/page +https:\/\/example\.com\/page +0 +docs /);
  });
});
