import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passwordWeakness } from '../../src/security/password-policy.js';

const EMAIL = 'ada.lovelace@example.com';

test('when a password is common, a pattern, all whitespace or the email, then it is refused with a sentence saying why', async () => {
  const refused: Record<string, RegExp> = {
    'password': /ten most common/,
    '12345678': /ten most common/,
    'qwertyuiop': /common/,
    'P@ssw0rd2024': /common password with small changes/,
    'Summer2024!': /too easy to guess/,
    [' '.repeat(12)]: /only spaces/,
    '\t\n \t\n   \t': /only spaces/,
    [EMAIL]: /email/,
    'ADA.LOVELACE@EXAMPLE.COM!': /email/,
    'ada.lovelace2024': /email/,
    'short': /at least 8 characters/,
  };
  for (const [password, why] of Object.entries(refused)) {
    const weakness = await passwordWeakness(password, EMAIL);
    assert.match(weakness ?? 'accepted', why, JSON.stringify(password));
    assert.match(weakness!, /^[A-Z].*\.$/, 'a sentence for people');
  }
});

test('when a password is a few unrelated words or random characters, then it is accepted', async () => {
  for (const password of ['correct horse', 'long enough', 'Xk9#mQ2p', 'plenty of unrelated words', `${'zebra kettle 42 '.repeat(15)}`]) {
    assert.equal(await passwordWeakness(password, EMAIL), undefined, JSON.stringify(password));
  }
  // A short local part is no reason to refuse: "al" is in many good passwords.
  assert.equal(await passwordWeakness('royal blue giraffe', 'al@example.com'), undefined);
});
