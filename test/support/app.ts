/** Builds the app over a fresh test database, with helpers to sign up and call the API via app.inject. */
import { after, before, describe } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { RATE_CLASSES, loadConfig, resolveConfig, type Config } from '../../src/config.js';
import { pino, type Logger } from 'pino';
import { assemble } from '../../src/compose.js';
import type { Context } from '../../src/http/context.js';
import type { Api } from '../../src/http/api/api.js';
import { DIALECTS, createTestStore, openTestStore, type TestDatabase } from './stores.js';
import type { Store } from '../../src/ports.js';
import { deletePrefix } from './redis.js';
import { recordConformance } from './conformance.js';
import type { ImportFormat, ImportReader } from '../../src/importers/record.js';

/** Suites that do not test rate limiting run without it; test/http/rate-limit.test.ts turns classes on. */
const NO_RATE_LIMITS = Object.fromEntries(Object.values(RATE_CLASSES).map((c) => [c.setting, 'off']));

export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export interface TestApp {
  app: Api;
  ctx: Context;
  /** Moves the app's clock (epoch ms); starts at the real time. */
  clock: { now: number };
  /** Answers that did not match the OpenAPI document so far; close() fails with them. */
  conformance: { violations: string[] };
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  randomCode?: () => string;
  /** Run on this (shared) database instead of a fresh one; it is not dropped on close. */
  database?: TestDatabase;
  /** Wraps the store, e.g. to count queries. */
  wrapStore?: (store: Store) => Store;
  /** Where logs go; silent unless KURZ_TEST_LOG names a level. */
  log?: Logger;
  /** The readers of import formats (default: importers/index.ts). */
  importReader?: (format: ImportFormat) => ImportReader;
}

export async function createTestApp(dialect: TestDatabase['name'], options: TestAppOptions = {}): Promise<TestApp> {
  const { store: opened, close } = options.database ? await openTestStore(options.database) : await createTestStore(dialect);
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const config: Readonly<Config> = resolveConfig(loadConfig({
    BASE_URL: 'http://kurz.test', JWT_SECRET: TEST_SECRET, DATABASE_URL: 'sqlite::memory:', ...NO_RATE_LIMITS, ...options.env,
  }));
  const clock = { now: Date.now() };
  const log = options.log ?? pino({ level: process.env.KURZ_TEST_LOG ?? 'silent' });
  const parts = assemble(config, store, { log, clock: () => clock.now, randomCode: options.randomCode, importReader: options.importReader });
  parts.start();
  const { ctx } = parts;
  const app = await buildApp(ctx);
  // Short URLs answer under BASE_URL's host (or a registered domain's), not light-my-request's
  // localhost:80: an injected request goes to BASE_URL's host unless it names another.
  const inject = app.inject.bind(app);
  const authority = new URL(config.baseUrl).host;
  app.inject = ((opts?: object | string, callback?: () => void) =>
    (inject as (...args: unknown[]) => unknown)(typeof opts === 'object' ? { authority, ...opts } : opts, callback)) as typeof app.inject;
  // Every answer of every suite is checked against the OpenAPI document: a drift fails the suite at close().
  const conformance = recordConformance(app);
  const { violations } = conformance;
  return {
    app, ctx, clock, conformance,
    async close() {
      await app.close();
      await parts.close(); // closes the store too
      await close();
      // Only a test's own prefix: a test on the default one may share it with another running at once.
      if (config.redisUrl && config.redisPrefix.startsWith('kurz-test-')) await deletePrefix(config.redisUrl, config.redisPrefix);
      if (violations.length > 0) {
        const unique = [...new Set(violations)];
        throw new Error(`${unique.length} answer(s) do not match the OpenAPI document:\n  ${unique.slice(0, 40).join('\n  ')}`);
      }
    },
  };
}

export interface Caller {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
  auth: { authorization: string };
}

let counter = 0;

/** Signs a new user up and in. The first user of an app is its admin. */
export async function signUpAndIn(app: Api, email = `user${++counter}@example.com`, password = 'correct horse'): Promise<Caller> {
  const created = await app.inject({ method: 'POST', url: '/api/v1/users', payload: { email, password } });
  if (created.statusCode !== 201) throw new Error(`sign-up failed: ${created.statusCode} ${created.body}`);
  const tokens = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password } });
  if (tokens.statusCode !== 200) throw new Error(`sign-in failed: ${tokens.statusCode} ${tokens.body}`);
  const { access_token, refresh_token } = tokens.json();
  return { id: created.json().id, email, token: access_token, refreshToken: refresh_token, auth: { authorization: `Bearer ${access_token}` } };
}

/** Asserts nothing itself: returns the parsed problem body, checking only that it is problem+json. */
export function problem(res: LightMyRequestResponse): { type: string; title: string; status: number; detail: string; errors?: { field: string; message: string }[] } {
  const type = String(res.headers['content-type']);
  if (!type.startsWith('application/problem+json')) throw new Error(`expected problem+json, got ${type}: ${res.body}`);
  return res.json();
}

/**
 * Runs a suite once per dialect over one app, whose first user (`admin()`) is signed up before the
 * tests, so every user a test signs up afterwards is a plain user.
 */
export function describeEachDialect(
  title: string,
  body: (env: { app: () => Api; t: () => TestApp; admin: () => Caller }) => void,
  options: TestAppOptions = {},
): void {
  for (const dialect of DIALECTS) {
    describe(`${title} (${dialect})`, () => {
      let testApp: TestApp;
      let admin: Caller;
      before(async () => {
        testApp = await createTestApp(dialect, options);
        admin = await signUpAndIn(testApp.app);
      });
      after(() => testApp?.close());
      body({ app: () => testApp.app, t: () => testApp, admin: () => admin });
    });
  }
}
