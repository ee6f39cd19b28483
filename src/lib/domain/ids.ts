/**
 * Prefixed, sortable ids (`cam_…`, `req_…`, `own_…`): a stray id in a log says what it is, and ids
 * sort by creation time. The body is a ULID-style 10-char time + 16-char random Crockford base32.
 */
import {randomFillSync} from 'node:crypto'

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

// Random bytes are drawn from a buffer refilled by the CSPRNG every 256 ids, as node's randomUUID does:
// one system call per id cost a few microseconds, on every audited request. No byte is used twice.
const pool = Buffer.alloc(16 * 256)
let used = pool.length

function random16(): Buffer {
  if (used === pool.length) {
    randomFillSync(pool)
    used = 0
  }
  used += 16
  return pool.subarray(used - 16, used)
}

export function newId(prefix: IdPrefix, now = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${encodeRandom(random16())}`.toLowerCase()
}

export function idPrefix(id: string): string | undefined {
  const match = /^([a-z]+)_[0-9a-z]{26}$/.exec(id)
  return match?.[1]
}
