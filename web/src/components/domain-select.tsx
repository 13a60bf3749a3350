import type { Domain } from '../types';
import { SelectField } from './field';

interface Props {
  domains: Domain[];
  /** The chosen host name. */
  value: string;
  onInput: (e: { currentTarget: { value: string } }) => void;
  error?: string;
  hint?: string;
  name?: string;
}

/**
 * The host name a short URL lives on. Shown only when there is a choice: with BASE_URL's host alone
 * the select would ask a question with one answer. A value missing from the list (a link on a domain
 * since given to someone else) stays an option, so showing the form never moves the link.
 */
export function DomainSelect({ domains, value, onInput, error, hint, name = 'domain' }: Props) {
  const hosts = domains.map((d) => d.hostname);
  if (value && !hosts.includes(value)) hosts.unshift(value);
  if (hosts.length < 2) return null;
  const isDefault = new Set(domains.filter((d) => d.is_default).map((d) => d.hostname));
  return (
    <SelectField label="Domain" name={name} value={value} onInput={onInput} error={error} hint={hint}>
      {hosts.map((host) => <option key={host} value={host}>{isDefault.has(host) ? `${host} (default)` : host}</option>)}
    </SelectField>
  );
}
