/** The API's JSON shapes (src/http/schemas.ts), as the dashboard reads them: snake_case, times RFC 3339. */

export interface FieldProblem {
  field: string;
  message: string;
}

/** RFC 9457 problem details, as every API error is sent. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
  has_more: boolean;
}

export type Role = 'user' | 'admin';

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: string;
}

export interface AccessToken {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds. */
  expires_in: number;
}

export type RedirectType = 301 | 302 | 307 | 308;
export const REDIRECT_TYPES: readonly RedirectType[] = [301, 302, 307, 308];

export interface Link {
  id: string;
  code: string;
  short_url: string;
  url: string;
  title: string | null;
  tags: string[];
  redirect_type: RedirectType;
  expires_at: string | null;
  max_clicks: number | null;
  clicks: number;
  owner_id: string;
  created_at: string;
  updated_at: string;
}

/** The writable fields of a link: POST takes `url` and any others, PATCH any non-empty subset. */
export interface LinkChanges {
  url?: string;
  code?: string;
  title?: string | null;
  tags?: string[];
  expires_at?: string | null;
  max_clicks?: number | null;
  redirect_type?: RedirectType;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
}

export interface ApiKeyCreated extends ApiKey {
  /** The secret: in the creation response only, never again. */
  key: string;
}

export interface Breakdown {
  value: string;
  clicks: number;
}

export interface Stats {
  total: number;
  series: { t: string; clicks: number }[];
  referrers: Breakdown[];
  countries: Breakdown[];
  browsers: Breakdown[];
  os: Breakdown[];
  devices: Breakdown[];
}

export type Interval = 'hour' | 'day';
