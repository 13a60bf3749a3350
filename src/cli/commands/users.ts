/** `kurz user create|list|set-role|reset-password|delete`: accounts, as the operator on the box. */
import { Argument, type Command } from 'commander';
import type { UserRecord } from '../../ports.js';
import { userJson } from '../../http/present.js';
import { createAccount, deleteUser, listUsers, updateUser } from '../../use-cases/users.js';
import type { CliIo } from '../io.js';
import { collect } from '../pages.js';
import { jsonOption, readPassword, when, withSession } from '../kit.js';
import type { Column, Fields } from '../output.js';
import { OPERATOR, userByEmail } from '../session.js';
import { withSettings } from '../settings.js';

const COLUMNS: Column<UserRecord>[] = [
  { header: 'EMAIL', cell: (u) => u.email, shrinks: true },
  { header: 'ROLE', cell: (u) => u.role },
  { header: 'NAME', cell: (u) => u.name ?? '', shrinks: true },
  { header: 'CREATED', cell: (u) => when(u.createdAt) },
  { header: 'ID', cell: (u) => u.id },
];

const fields = (u: UserRecord): Fields => [['email', u.email], ['role', u.role], ['name', u.name ?? '—'], ['created', when(u.createdAt)], ['id', u.id]];

const PASSWORD_HELP = '\nThe password is read from KURZ_PASSWORD, or from stdin with --password-stdin (never from a flag:\nflags end up in shell history and in ps).\n';

export function userCommands(program: Command, io: CliIo): void {
  const user = program.command('user').description('create, list, change and delete accounts');

  withSettings(user.command('create')
    .description('create an account (the first one is an admin)')
    .requiredOption('--email <email>', 'its email, which it signs in with')
    .option('--name <name>', 'its display name')
    .option('--admin', 'make it an admin')
    .option('--password-stdin', 'read the password from stdin')
    .addOption(jsonOption())
    .addHelpText('after', `${PASSWORD_HELP}\nExample:\n  printf '%s' "$PW" | kurz user create --email ann@example.com --admin --password-stdin`))
    .action((options: { email: string; name?: string; admin?: boolean; passwordStdin?: boolean }, command: Command) => withSession(io, command, async (deps, out) => {
      const password = await readPassword(io, options.passwordStdin === true);
      const created = await createAccount(deps, { email: options.email, password, name: options.name ?? null, role: options.admin ? 'admin' : undefined });
      out.item(fields(created), userJson(created));
    }));

  withSettings(user.command('list')
    .description('every account, newest first')
    .addOption(jsonOption()))
    .action((_options, command: Command) => withSession(io, command, async (deps, out) => {
      const { rows: users } = await collect((limit, cursor) => listUsers(deps, OPERATOR, limit, cursor));
      out.list(users, COLUMNS, userJson);
    }));

  withSettings(user.command('set-role')
    .description('make an account an admin, or a user again (one admin always remains)')
    .argument('<email>', 'the account\'s email')
    .addArgument(new Argument('<role>', 'the new role').choices(['admin', 'user']))
    .addOption(jsonOption()))
    .action((email: string, role: 'admin' | 'user', _options, command: Command) => withSession(io, command, async (deps, out) => {
      const target = await userByEmail(deps.store, email, 'email');
      const changed = await updateUser(deps, OPERATOR, target.id, { role });
      out.item(fields(changed), userJson(changed));
    }));

  withSettings(user.command('reset-password')
    .description('give an account a new password; its sessions end')
    .argument('<email>', 'the account\'s email')
    .option('--password-stdin', 'read the new password from stdin')
    .addHelpText('after', PASSWORD_HELP))
    .action((email: string, options: { passwordStdin?: boolean }, command: Command) => withSession(io, command, async (deps, out) => {
      const target = await userByEmail(deps.store, email, 'email');
      const password = await readPassword(io, options.passwordStdin === true);
      await updateUser(deps, OPERATOR, target.id, { password });
      out.note(`the password of ${target.email} was changed; its sessions were signed out`);
    }));

  withSettings(user.command('delete')
    .description('delete an account with its links and keys (the last admin cannot be deleted)')
    .argument('<email>', 'the account\'s email'))
    .action((email: string, _options, command: Command) => withSession(io, command, async (deps, out) => {
      const target = await userByEmail(deps.store, email, 'email');
      await deleteUser(deps, OPERATOR, target.id);
      out.note(`deleted ${target.email}, its links and its keys`);
    }));
}
