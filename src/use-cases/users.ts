import { AppError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Cursor } from '../domain/cursor.js';
import { UniqueViolation, type Role, type UserChanges, type UserRecord } from '../ports.js';
import { hashPassword } from '../security/passwords.js';
import { type Actor, type Context, isAdmin, mayActOn } from './context.js';

export interface SignUpInput {
  email: string;
  password: string;
  name?: string | null;
  role?: Role;
}

/** Sign-up (anyone, while SIGNUP=open) or account creation by an admin. */
export async function signUp(ctx: Context, input: SignUpInput, actor: Actor | undefined): Promise<UserRecord> {
  if (ctx.config.signup === 'closed' && !isAdmin(actor)) {
    throw new AppError('forbidden', 'sign-up is closed; an admin can create accounts');
  }
  if (input.role !== undefined && !isAdmin(actor)) throw forbiddenField('role');
  return createAccount(ctx, input);
}

/** Creates an account with no policy check (the API's sign-up and `kurz user create`). The first user becomes admin. */
export async function createAccount(ctx: Context, input: SignUpInput): Promise<UserRecord> {
  const now = ctx.clock();
  const user = {
    id: newId(now),
    email: normalizeEmail(input.email),
    name: input.name ?? null,
    role: input.role,
    passwordHash: await hashPassword(input.password),
    createdAt: now,
  };
  return emailMustBeFree(ctx.store.createUser(user));
}

export async function getUser(ctx: Context, actor: Actor, id: string): Promise<UserRecord> {
  const user = mayActOn(actor, id) ? await ctx.store.findUserById(id) : undefined;
  if (!user) throw notFound('user');
  return user;
}

export async function listUsers(ctx: Context, actor: Actor, limit: number, cursor?: Cursor): Promise<UserRecord[]> {
  if (!isAdmin(actor)) throw new AppError('forbidden', 'only admins can list users');
  return ctx.store.listUsers({ limit, cursor });
}

export interface UserUpdate {
  email?: string;
  name?: string | null;
  password?: string;
  role?: Role;
}

/** PUT and PATCH both land here: PUT passes every field (name: null when absent), PATCH only those sent. */
export async function updateUser(ctx: Context, actor: Actor, id: string, update: UserUpdate): Promise<UserRecord> {
  await getUser(ctx, actor, id);
  if (update.role !== undefined && !isAdmin(actor)) throw forbiddenField('role');
  const now = ctx.clock();
  const changes: UserChanges = {
    email: update.email === undefined ? undefined : normalizeEmail(update.email),
    name: update.name,
    role: update.role,
    passwordHash: update.password === undefined ? undefined : await hashPassword(update.password),
  };
  const user = await emailMustBeFree(ctx.store.updateUser(id, changes, now));
  if (!user) throw notFound('user');
  // A new password ends every session signed in with the old one.
  if (changes.passwordHash !== undefined) await ctx.store.revokeUserRefreshTokens(id, now);
  return user;
}

export async function deleteUser(ctx: Context, actor: Actor, id: string): Promise<void> {
  await getUser(ctx, actor, id);
  const codes = await ctx.store.deleteUser(id);
  if (!codes) throw notFound('user');
  for (const code of codes) await ctx.cache.invalidate(code);
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const forbiddenField = (field: string): AppError =>
  new AppError('forbidden', `only admins may set ${field}`, [{ field, message: 'only admins may set this field' }]);

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
