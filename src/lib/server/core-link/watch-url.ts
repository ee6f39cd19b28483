/**
 * Short-lived signed watch URLs: `/v1/streams/watch/<token>`, where the token packs the stream id, the
 * view id (both UUIDs) and the expiry, followed by a 128-bit HMAC-SHA256 tag under a key derived from
 * the server's master key; 71 URL-safe characters (the router caps path parameters at 100). Nothing is
 * stored per URL: a URL stops opening at its expiry, and stops working at once when its view ends.
 */
import {createHmac, hkdfSync, timingSafeEqual} from 'node:crypto'

export interface WatchClaims {
  streamId: string
  viewId: string
  /** Milliseconds since the epoch (kept to the second). */
  expiresAt: number
}

const VERSION = 1
const BODY_BYTES = 1 + 16 + 16 + 4
const TAG_BYTES = 16

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex')
const uuidText = (bytes: Buffer): string => bytes.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')

export class WatchUrlSigner {
  private readonly key: Buffer

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rtcc stream watch url v1', 32))
  }

  sign(claims: WatchClaims): string {
    const body = Buffer.alloc(BODY_BYTES)
    body[0] = VERSION
    uuidBytes(claims.streamId).copy(body, 1)
    uuidBytes(claims.viewId).copy(body, 17)
    body.writeUInt32BE(Math.ceil(claims.expiresAt / 1000), 33)
    return Buffer.concat([body, this.tag(body)]).toString('base64url')
  }

  /** The claims of a genuine, unexpired token; undefined otherwise. */
  verify(token: string, now: number): WatchClaims | undefined {
    const raw = Buffer.from(token, 'base64url')
    // One spelling per token: the last character's unused low bits (and any stray character) must not
    // give a second URL that opens the same view.
    if (raw.length !== BODY_BYTES + TAG_BYTES || raw[0] !== VERSION || raw.toString('base64url') !== token) return undefined
    const body = raw.subarray(0, BODY_BYTES)
    if (!timingSafeEqual(raw.subarray(BODY_BYTES), this.tag(body))) return undefined
    const expiresAt = body.readUInt32BE(33) * 1000
    if (expiresAt <= now) return undefined
    return {streamId: uuidText(body.subarray(1, 17)), viewId: uuidText(body.subarray(17, 33)), expiresAt}
  }

  private tag(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, TAG_BYTES)
  }
}
