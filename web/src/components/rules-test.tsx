import { useRef, useState } from 'preact/hooks';
import { call } from '../api';
import { Alert, Status } from './alert';
import { Field } from './field';
import { fromUtcInput } from '../routing-form';
import { useForm, localError } from '../form';
import type { RulesTest as Answer } from '../types';

/** User agents to try the rules with: what a person would otherwise have to look up. */
export const PRESETS = [
  { name: 'iPhone', ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' },
  { name: 'Android phone', ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36' },
  { name: 'Desktop Chrome', ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' },
  { name: 'Bot', ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
] as const;

interface Visit {
  ua: string;
  lang: string;
  country: string;
  ip: string;
  query: string;
  at: string;
}

/** The answer in words: which rule, and where the visit goes. */
export function describeAnswer(answer: Answer): string {
  if (answer.rule !== null) return `Rule ${answer.rule + 1} → ${answer.url ?? ''}`;
  if (answer.url !== null) return `No rule: the link's URL, ${answer.url}`;
  const total = answer.destinations.reduce((sum, d) => sum + d.weight, 0);
  const arms = answer.destinations.map((d) => `${d.url} (${Number(((d.weight / total) * 100).toFixed(1))} %)`);
  return `No rule: the A/B split draws one of ${arms.join(', ')}`;
}

/**
 * Asks the API which saved rule a described visit would match (GET /links/{id}/rules/test), so that
 * rules can be checked before the link is shared. A form of its own: it tests, it saves nothing.
 */
export function RulesTest({ linkId, dirty }: { linkId: string; dirty: boolean }) {
  const form = useRef<HTMLFormElement>(null);
  const [visit, setVisit] = useState<Visit>({ ua: '', lang: '', country: '', ip: '', query: '', at: '' });
  const [answer, setAnswer] = useState<string | null>(null);
  const { busy, errors, run, fail } = useForm({ ua: 'ua', lang: 'lang', country: 'country', ip: 'ip', query: 'query', at: 'at' });
  const bind = (name: keyof Visit) => ({
    name,
    value: visit[name],
    error: errors.fields[name],
    onInput: (e: { currentTarget: { value: string } }) => setVisit((v) => ({ ...v, [name]: e.currentTarget.value })),
  });

  const test = (event: Event) => {
    event.preventDefault();
    setAnswer(null);
    const at = fromUtcInput(visit.at);
    if (at === undefined) return fail(form.current, localError({ at: 'is not a valid date and time' }));
    void run(form.current, async () => {
      const query = { ua: visit.ua, lang: visit.lang.trim(), country: visit.country.trim().toUpperCase(), ip: visit.ip.trim(), query: visit.query.replace(/^\?/, ''), at };
      setAnswer(describeAnswer(await call<Answer>('GET', `/links/${encodeURIComponent(linkId)}/rules/test`, { query })));
    });
  };

  return (
    <form ref={form} class="rules-test link-form" onSubmit={test} noValidate aria-labelledby="rules-test-heading">
      <p class="hint">
        Describe a visit and see where it would go. This tests the saved rules{dirty ? ': save your changes first.' : '.'}
      </p>
      <div class="field">
        <p class="label" id="rules-test-presets">Try a device</p>
        <div class="presets" role="group" aria-labelledby="rules-test-presets">
          {PRESETS.map((p) => (
            <button key={p.name} type="button" class="secondary small" aria-pressed={visit.ua === p.ua}
              onClick={() => setVisit((v) => ({ ...v, ua: p.ua }))}>{p.name}</button>
          ))}
        </div>
      </div>
      <Field label="User agent" type="text" autoComplete="off" spellcheck={false} maxLength={1024} {...bind('ua')} />
      <Field label="Accept-Language" type="text" autoComplete="off" spellcheck={false} maxLength={1024} placeholder="de-DE,en;q=0.5" {...bind('lang')} />
      <Field label="Visitor's country" type="text" autoComplete="off" spellcheck={false} maxLength={2} placeholder="DE" hint="Two letters." {...bind('country')} />
      <Field label="Visitor's IP address" type="text" autoComplete="off" spellcheck={false} maxLength={64} placeholder="203.0.113.7" {...bind('ip')} />
      <Field label="Query string" type="text" autoComplete="off" spellcheck={false} maxLength={2048} placeholder="ref=mail&x=1"
        hint="What follows the ? of the short URL." {...bind('query')} />
      <Field label="At (UTC)" type="datetime-local" hint="Empty: now." {...bind('at')} />
      <Alert message={errors.message} />
      <button type="submit" disabled={busy}>{busy ? 'Testing…' : 'Test the rules'}</button>
      <Status message={answer} />
    </form>
  );
}
