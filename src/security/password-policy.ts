import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/**
 * NIST SP 800-63B §5.1.1.2: at least 8 characters, no composition rules, but refuse passwords that
 * are common, expected or derived from the account. zxcvbn-ts estimates how many guesses a password
 * takes against its lists of common passwords, names and words, keyboard patterns, repeats and dates;
 * we want at least 10^8 (zxcvbn's own bar for score 3), which the sign-in limits (under 10^4 failed
 * guesses a day per account) put out of reach online. Eight random characters reach it; "Summer2024!" does not.
 */
export const MIN_LENGTH = 8;
const MIN_GUESSES_LOG10 = 8;
/**
 * A check runs on the event loop, and zxcvbn's time grows fast with length and with l33t-like
 * characters: with its defaults (256 characters, 100 substitutions) one 250-character pattern took
 * over 1 s; scoring the first 24 characters with at most 12 substitutions keeps the worst pattern we
 * found at a few ms (bench/password-policy.ts). A password whose first 24 characters are hard to
 * guess is hard to guess.
 */
const SCORED_LENGTH = 24;
const L33T_SUBSTITUTIONS = 12;
/** A local part shorter than this is too common a substring to forbid (the a of a@example.com). */
const MIN_LOCAL_PART = 4;

let checker: Promise<ZxcvbnFactory> | undefined;

/**
 * The dictionaries (about 6 MiB of heap, 0.2 s to load) are loaded on the first password check, not
 * at start-up: a process that only redirects never pays for them.
 */
function zxcvbn(): Promise<ZxcvbnFactory> {
  checker ??= (async () => {
    const [{ ZxcvbnFactory }, common] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs, maxLength: SCORED_LENGTH, l33tMaxSubstitutions: L33T_SUBSTITUTIONS,
    });
  })();
  return checker;
}

/** Why zxcvbn finds a password weak, for people (the library's own sentences need a language package). */
const WHY: Record<string, string> = {
  topTen: 'it is one of the ten most common passwords',
  topHundred: 'it is one of the hundred most common passwords',
  common: 'it is a commonly used password',
  similarToCommon: 'it is a common password with small changes',
  straightRow: 'it is a row of keys on the keyboard',
  keyPattern: 'it is a short keyboard pattern',
  simpleRepeat: 'it repeats a character',
  extendedRepeat: 'it repeats a group of characters',
  sequences: 'it is a sequence such as abc or 6543',
  recentYears: 'it is a recent year',
  dates: 'it is a date',
  wordByItself: 'it is a single word',
  namesByThemselves: 'it is a name',
  commonNames: 'it is a common name',
  userInputs: 'it contains your email address',
};

/** Why `password` may not be used by the account of `email`, as a sentence for people; undefined when it may. */
export async function passwordWeakness(password: string, email: string): Promise<string | undefined> {
  if ([...password].length < MIN_LENGTH) return `Use at least ${MIN_LENGTH} characters.`;
  if (password.trim() === '') return 'A password cannot be only spaces.';
  const lower = password.toLowerCase();
  const address = email.trim().toLowerCase();
  const local = address.split('@')[0] ?? '';
  if (lower.includes(address) || (local.length >= MIN_LOCAL_PART && lower.includes(local))) {
    return 'A password cannot contain your email address or its name part.';
  }
  const result = (await zxcvbn()).check(password, [address, local]);
  if (result.guessesLog10 >= MIN_GUESSES_LOG10) return undefined;
  const why = WHY[result.feedback.warning ?? ''] ?? 'it follows a common pattern';
  return `This password is too easy to guess: ${why}. A few unrelated words make a strong one.`;
}
