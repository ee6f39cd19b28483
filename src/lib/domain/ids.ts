/**
 * Prefixed, sortable ids (`cam_…`, `req_…`, `own_…`): a stray id in a log says what it is, and ids
 * sort by creation time. The body is a ULID-style 10-char time + 16-char random Crockford base32.
 */
import {randomBytes} from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

export type IdPrefix = 'usr' | 'own' | 'cam' | 'req' | 'agy' | 'tok' | 'ses' | 'aud' | 'evd' | 'core' | 'alr' | 'evt' | 'imp' | 'acc' | 'dev' | 'sig' | 'sjb' | 'sgt'

function encodeTime(ms: number): string {
  let out = ''
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out
    ms = Math.floor(ms / 32)
  }
  return out
}

function encodeRandom(bytes: Buffer): string {
  let out = ''
  for (const byte of bytes) out += ALPHABET[byte % 32]
  return out
}

export function newId(prefix: IdPrefix, now = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${encodeRandom(randomBytes(16))}`.toLowerCase()
}

export function idPrefix(id: string): string | undefined {
  const match = /^([a-z]+)_[0-9a-z]{26}$/.exec(id)
  return match?.[1]
}
