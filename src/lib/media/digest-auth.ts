/**
 * Server side of HTTP/RTSP Digest authentication (RFC 2617, MD5, qop=auth or none), as cameras use
 * for their RTSP streams and snapshot URIs. Used by the camera simulator. The Authorization header
 * is a flat `key="value", key=value` list; a small regex reads it rather than a dependency, since
 * no maintained package in our set parses it and the grammar is one line.
 */
import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'

export interface Credentials {
  user: string
  password: string
}

export type AuthOutcome = 'ok' | 'missing' | 'rejected'

const md5 = (text: string) => createHash('md5').update(text).digest('hex')
const NONCE_TTL_MS = 5 * 60_000

export function parseAuthParams(header: string): Record<string, string> {
  const params: Record<string, string> = {}
  for (const match of header.matchAll(/([a-z0-9_-]+)=(?:"([^"]*)"|([^\s,]+))/gi)) params[match[1]!.toLowerCase()] = match[2] ?? match[3] ?? ''
  return params
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export class DigestGuard {
  private readonly nonces = new Map<string, number>()

  constructor(
    private readonly realm: string,
    private readonly credentials: Credentials,
  ) {}

  /** Value for WWW-Authenticate. */
  challenge(now = Date.now()): string {
    for (const [nonce, expires] of this.nonces) if (expires < now) this.nonces.delete(nonce)
    const nonce = randomBytes(16).toString('hex')
    this.nonces.set(nonce, now + NONCE_TTL_MS)
    return `Digest realm="${this.realm}", nonce="${nonce}", qop="auth", algorithm=MD5`
  }

  check(authorization: string | undefined, method: string, now = Date.now()): AuthOutcome {
    if (!authorization) return 'missing'
    const [scheme, ...rest] = authorization.trim().split(/\s+/)
    const value = rest.join(' ')
    if (/^basic$/i.test(scheme ?? '')) {
      const [user, ...password] = Buffer.from(value, 'base64').toString('utf8').split(':')
      return user === this.credentials.user && same(password.join(':'), this.credentials.password) ? 'ok' : 'rejected'
    }
    if (!/^digest$/i.test(scheme ?? '')) return 'rejected'
    const p = parseAuthParams(value)
    const expires = this.nonces.get(p.nonce ?? '')
    if (!expires || expires < now || p.username !== this.credentials.user || !p.uri || !p.response) return 'rejected'
    const ha1 = md5(`${this.credentials.user}:${this.realm}:${this.credentials.password}`)
    const ha2 = md5(`${method}:${p.uri}`)
    const expected = p.qop ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`)
    return same(expected, p.response.toLowerCase()) ? 'ok' : 'rejected'
  }
}
