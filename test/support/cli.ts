/** Runs the `kurz` command in-process, through run(argv, io), with buffers for its streams. */
import { Readable } from 'node:stream';
import { run } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';

export interface Ran { code: number; stdout: string; stderr: string }

/** Runs `kurz …args` on `env` with its own buffers; `stdin` is what it reads; `interrupt` aborts its Ctrl-C signal at once. */
export function kurzOn(env: Record<string, string>) {
  return async function kurz(args: string[], options: { stdin?: string | Buffer; env?: Record<string, string>; interrupt?: boolean } = {}): Promise<Ran> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: { write: (t: string) => (stdout += t), isTTY: false },
      stderr: { write: (t: string) => (stderr += t), isTTY: false },
      stdin: Object.assign(Readable.from(options.stdin === undefined ? [] : [options.stdin]), { isTTY: options.stdin === undefined }),
      env: { ...env, ...options.env },
      interruptible: () => ({ signal: options.interrupt ? AbortSignal.abort() : new AbortController().signal, release() {} }),
    };
    const code = await run(args, io);
    return { code, stdout, stderr };
  };
}
