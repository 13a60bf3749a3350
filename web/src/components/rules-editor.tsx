import { useEffect, useState } from 'preact/hooks';
import { Field, SelectField } from './field';
import { VisuallyHidden } from './visually-hidden';
import {
  CONDITION_TYPES, DEVICES, MAX_CONDITIONS, MAX_RULES, conditionInput, emptyCondition, emptyRule, ruleInput,
  type ConditionDraft, type RuleDraft,
} from '../routing-form';
import type { ConditionType } from '../types';

interface Props {
  rules: RuleDraft[];
  onChange: (rules: RuleDraft[]) => void;
  /** Input name → the API's (or the local check's) message. */
  errors: Record<string, string>;
}

/**
 * What to focus once the list has re-rendered: a control by its data-focus name (Field sets the
 * control's id itself), or the fallback when that one is disabled (a rule moved to the top).
 */
type Focus = { name: string; fallback?: string } | null;

const byFocusName = (name: string) => document.querySelector<HTMLButtonElement>(`[data-focus="${name}"]`);

/**
 * The ordered list of a link's routing rules: each a fieldset with its conditions and its URL. Rules
 * move up and down (the first match wins, so order matters); focus follows what was added, moved or
 * removed, and a polite status says where a rule went.
 */
export function RulesEditor({ rules, onChange, errors }: Props) {
  const [focus, setFocus] = useState<Focus>(null);
  const [said, setSaid] = useState('');
  useEffect(() => {
    if (!focus) return;
    const el = byFocusName(focus.name);
    const target = el && !el.disabled ? el : focus.fallback ? byFocusName(focus.fallback) : el;
    target?.focus();
    setFocus(null);
  }, [focus]);

  const update = (i: number, rule: RuleDraft) => onChange(rules.map((r, k) => (k === i ? rule : r)));
  const move = (i: number, by: -1 | 1, which: 'up' | 'down') => {
    const to = i + by;
    const next = [...rules];
    [next[i], next[to]] = [next[to]!, next[i]!];
    onChange(next);
    const k = rules[i]!.key;
    setFocus({ name: `rule-${k}-${which}`, fallback: `rule-${k}-${which === 'up' ? 'down' : 'up'}` });
    setSaid(`Rule ${i + 1} moved to position ${to + 1}.`);
  };
  const remove = (i: number) => {
    onChange(rules.filter((_, k) => k !== i));
    setFocus({ name: 'rules-add' });
    setSaid(`Rule ${i + 1} removed.`);
  };
  const add = () => {
    const rule = emptyRule();
    onChange([...rules, rule]);
    setFocus({ name: `condition-${rule.conditions[0]!.key}-type` });
    setSaid('');
  };
  const full = rules.length >= MAX_RULES;

  return (
    <div class="rules-editor">
      <p class="hint">
        Rules are checked in order, and the first one whose conditions all hold decides where the visitor goes.
        A visit that no rule takes goes to the A/B split, if there is one, or else to the destination URL.
      </p>
      {rules.length === 0 && <p class="empty">No rules: every visitor goes to the destination URL.</p>}
      <ol class="rules">
        {rules.map((rule, i) => (
          <li key={rule.key}>
            <RuleFields rule={rule} index={i} count={rules.length} errors={errors}
              onChange={(r) => update(i, r)} onMove={(by, which) => move(i, by, which)} onRemove={() => remove(i)}
              focusLater={setFocus} />
          </li>
        ))}
      </ol>
      <button type="button" data-focus="rules-add" class="secondary" onClick={add} disabled={full}
        aria-describedby={full ? 'rules-full' : undefined}>Add rule</button>
      {full && <p id="rules-full" class="hint">{MAX_RULES} rules at most.</p>}
      <p role="status" class="visually-hidden">{said}</p>
    </div>
  );
}

interface RuleProps {
  rule: RuleDraft;
  index: number;
  count: number;
  errors: Record<string, string>;
  onChange: (rule: RuleDraft) => void;
  onMove: (by: -1 | 1, which: 'up' | 'down') => void;
  onRemove: () => void;
  focusLater: (focus: Focus) => void;
}

function RuleFields({ rule, index, count, errors, onChange, onMove, onRemove, focusLater }: RuleProps) {
  const n = index + 1;
  const setCondition = (j: number, c: ConditionDraft) => onChange({ ...rule, conditions: rule.conditions.map((x, k) => (k === j ? c : x)) });
  const addCondition = () => {
    const c = emptyCondition();
    onChange({ ...rule, conditions: [...rule.conditions, c] });
    focusLater({ name: `condition-${c.key}-type` });
  };
  const removeCondition = (j: number) => {
    onChange({ ...rule, conditions: rule.conditions.filter((_, k) => k !== j) });
    focusLater({ name: `rule-${rule.key}-add-condition` });
  };
  const full = rule.conditions.length >= MAX_CONDITIONS;
  return (
    <fieldset class="rule">
      <legend>Rule {n}</legend>
      <p class="hint">When all of these hold:</p>
      {rule.conditions.map((c, j) => (
        <ConditionFields key={c.key} condition={c} rule={n} index={j} errors={errors}
          name={(field) => conditionInput(index, j, field)}
          onChange={(next) => setCondition(j, next)}
          onRemove={rule.conditions.length > 1 ? () => removeCondition(j) : undefined} />
      ))}
      <p class="rule-actions">
        <button type="button" data-focus={`rule-${rule.key}-add-condition`} class="secondary small" onClick={addCondition} disabled={full}
          aria-describedby={full ? `rule-${rule.key}-full` : undefined}>
          Add condition<VisuallyHidden> to rule {n}</VisuallyHidden>
        </button>
        {full && <span id={`rule-${rule.key}-full`} class="hint">{MAX_CONDITIONS} conditions at most.</span>}
      </p>
      <Field label="Then send visitors to" type="url" inputMode="url" autoComplete="off" required
        name={ruleInput(index, 'url')} value={rule.url} error={errors[ruleInput(index, 'url')]}
        placeholder="https://example.com/app" onInput={(e) => onChange({ ...rule, url: e.currentTarget.value })} />
      <p class="rule-actions">
        <button type="button" data-focus={`rule-${rule.key}-up`} class="secondary small" onClick={() => onMove(-1, 'up')} disabled={index === 0}>
          Move up<VisuallyHidden> rule {n}</VisuallyHidden>
        </button>
        <button type="button" data-focus={`rule-${rule.key}-down`} class="secondary small" onClick={() => onMove(1, 'down')} disabled={index === count - 1}>
          Move down<VisuallyHidden> rule {n}</VisuallyHidden>
        </button>
        <button type="button" class="secondary small" onClick={onRemove}>
          Remove<VisuallyHidden> rule {n}</VisuallyHidden>
        </button>
      </p>
    </fieldset>
  );
}

interface ConditionProps {
  condition: ConditionDraft;
  rule: number;
  index: number;
  errors: Record<string, string>;
  name: (field: 'type' | 'value' | 'name' | 'after' | 'before') => string;
  onChange: (condition: ConditionDraft) => void;
  /** Absent for a rule's only condition: a rule needs one. */
  onRemove?: () => void;
}

function ConditionFields({ condition: c, rule, index, errors, name, onChange, onRemove }: ConditionProps) {
  const n = index + 1;
  const text = (field: 'value' | 'name' | 'after' | 'before') => ({
    name: name(field),
    value: c[field],
    error: errors[name(field)],
    onInput: (e: { currentTarget: { value: string } }) => onChange({ ...c, [field]: e.currentTarget.value }),
  });
  // Another type keeps nothing of the old one's values: "ios" is no language.
  const retype = (type: ConditionType) => onChange({ ...emptyCondition(type), key: c.key });
  return (
    <fieldset class="condition">
      <legend>Condition {n}</legend>
      <div class="condition-fields">
        <SelectField label="Type" data-focus={`condition-${c.key}-type`} name={name('type')} value={c.type} error={errors[name('type')]}
          onInput={(e) => retype(e.currentTarget.value as ConditionType)}>
          {CONDITION_TYPES.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
        </SelectField>
        <ConditionValue condition={c} text={text} />
      </div>
      {onRemove && (
        <button type="button" class="link-button" onClick={onRemove}>
          Remove condition<VisuallyHidden> {n} of rule {rule}</VisuallyHidden>
        </button>
      )}
    </fieldset>
  );
}

type TextBind = (field: 'value' | 'name' | 'after' | 'before') => {
  name: string; value: string; error?: string; onInput: (e: { currentTarget: { value: string } }) => void;
};

/** The inputs of one condition's type. */
function ConditionValue({ condition: c, text }: { condition: ConditionDraft; text: TextBind }) {
  const words = { autoCapitalize: 'off', autoComplete: 'off', spellcheck: false } as const;
  switch (c.type) {
    case 'device':
      return (
        <SelectField label="Device" {...text('value')}>
          {DEVICES.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
        </SelectField>
      );
    case 'os':
      return <Field label="Operating system" type="text" {...words} maxLength={64} placeholder="iOS" hint="iOS, Android, Windows, Mac OS, Linux …" {...text('value')} />;
    case 'browser':
      return <Field label="Browser" type="text" {...words} maxLength={64} placeholder="Chrome" hint="Chrome, Firefox, Safari, Edge …" {...text('value')} />;
    case 'language':
      return <Field label="Language" type="text" {...words} maxLength={35} placeholder="de" hint="A tag such as de or en-GB; en also matches en-GB." {...text('value')} />;
    case 'country':
      return <Field label="Country code" type="text" {...words} maxLength={2} placeholder="DE" hint="Two letters (ISO 3166-1), e.g. DE." {...text('value')} />;
    case 'query':
      return (
        <>
          <Field label="Parameter name" type="text" {...words} maxLength={100} placeholder="ref" {...text('name')} />
          <Field label="Parameter value" type="text" {...words} maxLength={500} hint="Optional: empty matches any value." {...text('value')} />
        </>
      );
    case 'ip':
      return <Field label="IP address or CIDR block" type="text" {...words} maxLength={64} placeholder="203.0.113.0/24" {...text('value')} />;
    case 'time':
      return (
        <>
          <Field label="From (UTC)" type="datetime-local" hint="UTC, not your local time. Either end may be empty." {...text('after')} />
          <Field label="Until (UTC)" type="datetime-local" {...text('before')} />
        </>
      );
  }
}
