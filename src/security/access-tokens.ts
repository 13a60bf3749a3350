import { SignJWT, jwtVerify } from 'jose';

const ISSUER = 'kurz';
const ALG = 'HS256';

/** Short-lived JWT access tokens (HS256). They name the user only: role and existence are read per request. */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(secret: string, readonly ttlSeconds: number) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(userId: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** The user id of a valid, unexpired token; undefined for anything else. */
  async verify(token: string): Promise<string | undefined> {
    try {
      // Without exp a token would never expire: every token Kurz signs has one, so one without is forged or foreign.
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: [ALG], requiredClaims: ['exp'] });
      return typeof payload.sub === 'string' ? payload.sub : undefined;
    } catch {
      return undefined;
    }
  }
}
