/**
 * Short-lived signed watch URLs: `/v1/streams/watch/<payload>.<mac>`, where the payload names the
 * stream, the view and the expiry and the MAC is HMAC-SHA256 under a key derived from the server's
 * master key. Nothing is stored per URL; a URL stops opening at its expiry, and stops working at
 * once when its view or stream ends.
 */
import {createHmac, hkdfSync, timingSafeEqual} from 'node:crypto'

export interface WatchClaims {
  streamId: string
  viewId: string
  expiresAt: number
}

export class WatchUrlSigner {
  private readonly key: Buffer

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rtcc stream watch url v1', 32))
  }

  sign(claims: WatchClaims): string {
    const payload = Buffer.from(JSON.stringify([claims.streamId, claims.viewId, claims.expiresAt])).toString('base64url')
    return `${payload}.${this.mac(payload)}`
  }

  /** The claims of a genuine, unexpired token; undefined otherwise (the caller says "invalid or expired"). */
  verify(token: string, now: number): WatchClaims | undefined {
    const [payload, mac] = token.split('.')
    if (!payload || !mac) return undefined
    const expected = Buffer.from(this.mac(payload))
    const given = Buffer.from(mac)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    try {
      const [streamId, viewId, expiresAt] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string, number]
      if (typeof streamId !== 'string' || typeof viewId !== 'string' || typeof expiresAt !== 'number' || expiresAt <= now) return undefined
      return {streamId, viewId, expiresAt}
    } catch {
      return undefined
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url')
  }
}
