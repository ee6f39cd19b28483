/**
 * C2SP tlog-cosignature/v1 (Ed25519): a witness's statement that, as of `time`, the checkpoint is the
 * largest consistent tree head it has seen for the log. Signed message: "cosignature/v1\ntime <t>\n"
 * + the checkpoint's note text; signature line: "— <name> base64(key id || u64 time || signature)",
 * key id = SHA-256(name || "\n" || 0x04 || public key)[:4]. Cosignature lines sit after the log's own
 * signature in the note, where readers that do not know the witness key skip them.
 */
import {sign, verify, type KeyObject} from 'node:crypto'

import {RtccError} from '../errors.js'
import {sha256} from './merkle.js'
import {rawPublicKey} from './note.js'

const COSIGNATURE_V1 = 0x04
const SIG_PREFIX = '— '

/** The witness name of a Core: a key name without spaces or "+". */
export const coreCosignerName = (coreId: string): string => `rtcc-core/${coreId}`

export function cosignerKeyId(name: string, publicKey: KeyObject): Buffer {
  return sha256(Buffer.concat([Buffer.from(`${name}\n`), Buffer.of(COSIGNATURE_V1), rawPublicKey(publicKey)])).subarray(0, 4)
}

/** The note text (checkpoint body) of a signed note, without its signature lines. */
export const noteText = (note: string): string => note.slice(0, note.lastIndexOf('\n\n') + 1)

const message = (text: string, time: number): Buffer => Buffer.from(`cosignature/v1\ntime ${time}\n${text}`)

/** Cosigns a checkpoint note the caller has verified; returns the signature line (no newline). */
export function cosign(note: string, name: string, privateKey: KeyObject, time = Math.floor(Date.now() / 1000)): string {
  const stamp = Buffer.alloc(8)
  stamp.writeBigUInt64BE(BigInt(time))
  const blob = Buffer.concat([cosignerKeyId(name, privateKey), stamp, sign(null, message(noteText(note), time), privateKey)])
  return `${SIG_PREFIX}${name} ${blob.toString('base64')}`
}

/** Checks a cosignature line over a checkpoint note; returns its time (POSIX seconds). */
export function verifyCosignature(note: string, line: string, name: string, publicKey: KeyObject): number {
  const bad = (why: string) => new RtccError(`not a cosignature by ${name}: ${why}`, {code: 'bad_cosignature'})
  if (!line.startsWith(`${SIG_PREFIX}${name} `)) throw bad('the line does not name this cosigner')
  const blob = Buffer.from(line.slice(SIG_PREFIX.length + name.length + 1), 'base64')
  if (blob.length !== 4 + 8 + 64) throw bad('expected a 4-byte key id, an 8-byte time and a 64-byte Ed25519 signature')
  if (!blob.subarray(0, 4).equals(cosignerKeyId(name, publicKey))) throw bad('the key id is not this key')
  const time = blob.readBigUInt64BE(4)
  if (time >= 2n ** 63n) throw bad('the time is out of range')
  if (!verify(null, message(noteText(note), Number(time)), publicKey, blob.subarray(12))) throw bad('the signature does not verify over this checkpoint')
  return Number(time)
}

/** The note with cosignature lines appended after its own signatures. */
export const withCosignatures = (note: string, lines: readonly string[]): string => note + lines.map((line) => `${line}\n`).join('')
