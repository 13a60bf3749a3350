import { AppError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Cursor } from '../domain/cursor.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { LastAdmin, UniqueViolation, type AccountStore, type EdgePurger, type LinkLookup, type Role, type UserChanges, type UserRecord } from '../ports.js';
import { hashPassword, verifyPassword } from '../security/passwords.js';
import { passwordWeakness } from '../security/password-policy.js';
import { type Actor, isAdmin, mayActOn } from './actor.js';

/** What the user use cases use. */
export interface UserDeps {
  /** Where users live (deleting one deletes their links, keys and tokens). */
  store: AccountStore;
  /** Drops the keys of a deleted user's links from every cache level and instance. */
  cache: Pick<LinkLookup, 'invalidate'>;
  /** Tells a CDN to forget a deleted user's links (in the background). */
  edge: Pick<EdgePurger, 'purge'>;
  /** Epoch milliseconds: creation and update times. */
  clock: () => number;
  /** Whether anyone may sign up. */
  config: Pick<Config, 'signup'>;
  /** Records an admin's change to another user's credentials. */
  log: Logger;
}

export interface SignUpInput {
  email: string;
  password: string;
  name?: string | null;
  role?: Role;
}

/** Sign-up (anyone, while SIGNUP=open) or account creation by an admin. */
export async function signUp(deps: Pick<UserDeps, 'config' | 'store' | 'clock'>, input: SignUpInput, actor: Actor | undefined): Promise<UserRecord> {
  if (deps.config.signup === 'closed' && !isAdmin(actor)) {
    throw new AppError('forbidden', 'sign-up is closed; an admin can create accounts');
  }
  if (input.role !== undefined && !isAdmin(actor)) throw forbiddenField('role');
  return createAccount(deps, input);
}

/** Creates an account with no access check (the API's sign-up and `kurz user create`); the password must pass the policy. The first user becomes admin. */
export async function createAccount(deps: Pick<UserDeps, 'store' | 'clock'>, input: SignUpInput): Promise<UserRecord> {
  const now = deps.clock();
  const email = normalizeEmail(input.email);
  await strongPassword(input.password, email);
  const user = {
    id: newId(now),
    email,
    name: input.name ?? null,
    role: input.role,
    passwordHash: await hashPassword(input.password),
    createdAt: now,
  };
  return emailMustBeFree(deps.store.createUser(user));
}

export async function getUser(deps: Pick<UserDeps, 'store'>, actor: Actor, id: string): Promise<UserRecord> {
  const user = mayActOn(actor, id) ? await deps.store.findUserById(id) : undefined;
  if (!user) throw notFound('user');
  return user;
}

export async function listUsers(deps: Pick<UserDeps, 'store'>, actor: Actor, limit: number, cursor?: Cursor): Promise<UserRecord[]> {
  if (!isAdmin(actor)) throw new AppError('forbidden', 'only admins can list users');
  return deps.store.listUsers({ limit, cursor });
}

export interface UserUpdate {
  email?: string;
  name?: string | null;
  password?: string;
  role?: Role;
  /** The account's present password: needed to change the password or the email. */
  currentPassword?: string;
}

/** PUT and PATCH both land here: PUT passes every field (name: null when absent), PATCH only those sent. */
export async function updateUser(deps: Pick<UserDeps, 'store' | 'clock' | 'log'>, actor: Actor, id: string, update: UserUpdate): Promise<UserRecord> {
  const target = await getUser(deps, actor, id);
  if (update.role !== undefined && !isAdmin(actor)) throw forbiddenField('role');
  const email = update.email === undefined ? undefined : normalizeEmail(update.email);
  const credentials = [update.password !== undefined && 'password', email !== undefined && email !== target.email && 'email'].filter(Boolean);
  if (credentials.length > 0) await mayChangeCredentials(deps, actor, target, update.currentPassword, credentials.join(' and '));
  if (update.password !== undefined) await strongPassword(update.password, email ?? target.email);
  const now = deps.clock();
  const changes: UserChanges = {
    email,
    name: update.name,
    role: update.role,
    passwordHash: update.password === undefined ? undefined : await hashPassword(update.password),
  };
  const user = await keepsAnAdmin(emailMustBeFree(deps.store.updateUser(id, changes, now)));
  if (!user) throw notFound('user');
  // A new password ends every session signed in with the old one.
  if (changes.passwordHash !== undefined) await deps.store.revokeUserRefreshTokens(id, now);
  return user;
}

export async function deleteUser(deps: Pick<UserDeps, 'store' | 'cache' | 'edge'>, actor: Actor, id: string): Promise<void> {
  await getUser(deps, actor, id);
  const keys = await keepsAnAdmin(deps.store.deleteUser(id));
  if (!keys) throw notFound('user');
  for (const key of keys) await deps.cache.invalidate(key);
  // The store names the links it deleted, not what they were: every one is purged (a few requests per 100 links).
  if (keys.length > 0) deps.edge.purge(keys);
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const forbiddenField = (field: string): AppError =>
  new AppError('forbidden', `only admins may set ${field}`, [{ field, message: 'only admins may set this field' }]);

/**
 * A stolen access token must not become a stolen account: changing the password or the email needs
 * the present password (400 when missing, 403 when wrong, like any other refusal to an authenticated
 * caller). An admin changing another user's account is the exception, and is logged.
 */
async function mayChangeCredentials(deps: Pick<UserDeps, 'log'>, actor: Actor, target: UserRecord, current: string | undefined, what: string): Promise<void> {
  if (isAdmin(actor) && actor.user.id !== target.id) {
    deps.log.info({ adminId: actor.user.id, userId: target.id, changed: what }, 'an admin changed another user\'s credentials');
    return;
  }
  if (current === undefined) {
    const message = `Changing the ${what} needs current_password, the account's present password.`;
    throw new AppError('validation', message, [{ field: 'current_password', message }]);
  }
  if (!(await verifyPassword(target.passwordHash, current))) {
    const message = 'current_password is not the account\'s present password.';
    throw new AppError('forbidden', message, [{ field: 'current_password', message }]);
  }
}

async function strongPassword(password: string, email: string): Promise<void> {
  const weakness = await passwordWeakness(password, email);
  if (weakness) throw new AppError('validation', weakness, [{ field: 'password', message: weakness }]);
}

async function keepsAnAdmin<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof LastAdmin) {
      throw new AppError('conflict', 'This is the only admin: make another user admin first, so that one is left.');
    }
    throw err;
  }
}

async function emailMustBeFree<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof UniqueViolation && err.field === 'email') {
      throw new AppError('conflict', 'an account with this email already exists', [
        { field: 'email', message: 'is already registered' },
      ]);
    }
    throw err;
  }
}
