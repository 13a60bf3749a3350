/**
 * What a run of the `kurz` command reads and writes: the process's own streams and environment in
 * main.ts, a test's buffers in-process (test/e2e/cli-commands.test.ts).
 */

/** A stream written to: process.stdout, or a buffer a test reads. */
export interface Sink {
  write(text: string): unknown;
  /** Whether it is a terminal (colour, tables fitted to its width, a redrawn progress bar). */
  isTTY?: boolean;
  /** The terminal's width in characters, when it is one. */
  columns?: number;
}

/** The streams and environment of one run. */
export interface CliIo {
  /** Results only: tables, or JSON with `--json`. */
  stdout: Sink;
  /** Messages, warnings, progress and errors. */
  stderr: Sink;
  /** Where `--password-stdin` reads from. */
  stdin: AsyncIterable<string | Buffer> & { isTTY?: boolean };
  /** Settings, KURZ_PASSWORD, NO_COLOR, FORCE_COLOR. */
  env: Record<string, string | undefined>;
  /** Listens for Ctrl-C while long work runs, so that it stops between batches rather than midway. */
  interruptible(): Interruption;
}

/** A signal aborted on Ctrl-C (or SIGTERM), until released. */
export interface Interruption {
  signal: AbortSignal;
  /** Stops listening: Ctrl-C kills at once again. */
  release(): void;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env,
    interruptible() {
      const controller = new AbortController();
      const abort = () => controller.abort();
      process.on('SIGINT', abort);
      process.on('SIGTERM', abort);
      return {
        signal: controller.signal,
        release() {
          process.off('SIGINT', abort);
          process.off('SIGTERM', abort);
        },
      };
    },
  };
}
