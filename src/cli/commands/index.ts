/**
 * Every command of `kurz`, in the order of the help's list. A command group is a function that adds
 * its commands to the program; adding one is a file here and a line in this list.
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { processCommands } from './processes.js';
import { userCommands } from './users.js';
import { keyCommands } from './keys.js';
import { linkCommands } from './links.js';
import { domainCommands } from './domains.js';
import { seedCommand } from './seed.js';
import { importCommand } from './import.js';
import { exportCommand } from './export.js';
import { backupCommand } from './backup.js';

/** Adds a group of commands to the program; `io` is what they read and write. */
export type CommandGroup = (program: Command, io: CliIo) => void;

export const COMMANDS: readonly CommandGroup[] = [processCommands, linkCommands, userCommands, keyCommands, domainCommands, importCommand, exportCommand, backupCommand, seedCommand];
