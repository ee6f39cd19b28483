/**
 * Signed checkpoints in the transparency-log text formats, so standard tooling (Go's sumdb/note,
 * tlog witnesses) can read them:
 * - C2SP signed-note: "<text>\n" + "\n" + one "— <key name> base64(4-byte key id || Ed25519 sig)\n" per signer,
 *   key id = SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4];
 * - C2SP tlog-checkpoint body: "<origin>\n<size>\n<base64 root hash>\n";
 * - verifier keys ("vkey"): "<name>+<hex key id>+base64(0x01 || public key)".
 * Hand-written: the formats are a few lines of text and no maintained npm package implements them.
 */
import {createPublicKey, sign, verify, type KeyObject} from 'node:crypto'

import {RtccError} from '../errors.js'
import {HASH_SIZE, sha256} from './merkle.js'

/** An Ed25519 key pair and the key name written in signature lines (by convention the log origin). */
export interface NoteSigner {
  name: string
  privateKey: KeyObject
  publicKey: KeyObject
}

/** Who may have signed: the public key, and optionally the key name to insist on. */
export interface NoteVerifier {
  publicKey: KeyObject
  name?: string
}

/** A log's tree head: its origin line, number of leaves and RFC 6962 root hash. */
export interface Checkpoint {
  origin: string
  size: number
  rootHash: Buffer
}

const ED25519 = 0x01
const SIG_PREFIX = '— '
const MAX_SIGNATURES = 100

const badNote = (message: string, hint?: string): RtccError => new RtccError(message, {code: 'bad_checkpoint', hint})

/** The 32-byte RFC 8032 encoding of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') throw badNote(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`)
  const publicKey = key.type === 'private' ? createPublicKey(key) : key
  return Buffer.from(publicKey.export({format: 'jwk'}).x!, 'base64url')
}

function checkKeyName(name: string): void {
  if (name === '' || /[\s+]/u.test(name)) throw badNote(`invalid key name ${JSON.stringify(name)}: it must be non-empty, without spaces or "+"`)
}

/** The note key id: first 4 bytes of SHA-256(name || "\n" || 0x01 || public key). */
export function keyId(name: string, publicKey: KeyObject): Buffer {
  return sha256(Buffer.concat([Buffer.from(`${name}\n`), Buffer.of(ED25519), rawPublicKey(publicKey)])).subarray(0, 4)
}

/** Verifier key text, e.g. `rtcc.example/audit+1a2b3c4d+AY…`, for sharing the public key with its name. */
export function formatVerifierKey(name: string, publicKey: KeyObject): string {
  checkKeyName(name)
  return `${name}+${keyId(name, publicKey).toString('hex')}+${Buffer.concat([Buffer.of(ED25519), rawPublicKey(publicKey)]).toString('base64')}`
}

/** Parses a verifier key, checking its key id matches its name and key. */
export function parseVerifierKey(vkey: string): Required<NoteVerifier> {
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey.trim())
  const material = match ? decodeBase64(match[3]!) : undefined
  if (!match || !material || material.length !== 33 || material[0] !== ED25519) {
    throw badNote('not an Ed25519 verifier key', 'Expected NAME+KEYID+BASE64, as printed by the server.')
  }
  const publicKey = createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x: material.subarray(1).toString('base64url')}, format: 'jwk'})
  const name = match[1]!
  if (keyId(name, publicKey).toString('hex') !== match[2]) throw badNote('verifier key id does not match its name and key')
  return {name, publicKey}
}

/** Reads a log public key given as a verifier key (NAME+KEYID+BASE64) or an Ed25519 PEM public key. */
export function parsePublicKey(text: string): NoteVerifier {
  const trimmed = text.trim()
  if (!trimmed.startsWith('-----BEGIN')) return parseVerifierKey(trimmed)
  if (/PRIVATE KEY-----/.test(trimmed)) throw badNote('this is a private key', 'Pass the public key: never copy the signing key off the server.')
  let publicKey: KeyObject
  try {
    publicKey = createPublicKey(trimmed)
  } catch (error) {
    throw badNote(`not a PEM public key: ${(error as Error).message}`)
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') throw badNote(`expected an Ed25519 public key, got ${publicKey.asymmetricKeyType}`)
  return {publicKey}
}

/** Strict standard base64: rejects anything that does not re-encode to the same text. */
function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64')
  return bytes.toString('base64') === text ? bytes : undefined
}

function checkText(text: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw badNote(`${what} contains a control character`)
}

/** Signs `text` (which must end in a newline) and returns the signed note. */
export function signNote(text: string, signer: NoteSigner): string {
  checkKeyName(signer.name)
  checkText(text, 'note text')
  if (!text.endsWith('\n') || text.includes('\n\n')) throw badNote('note text must end with a newline and contain no blank line')
  const signature = sign(null, Buffer.from(text), signer.privateKey)
  const blob = Buffer.concat([keyId(signer.name, signer.publicKey), signature]).toString('base64')
  return `${text}\n${SIG_PREFIX}${signer.name} ${blob}\n`
}

/**
 * Verifies a signed note and returns its text. Signatures from other keys are ignored; a signature
 * line that claims the verifier's key but does not verify rejects the note (as the spec recommends).
 */
export function openNote(note: string, verifier: NoteVerifier): string {
  checkText(note, 'signed note')
  const split = note.lastIndexOf('\n\n')
  if (split < 0 || !note.endsWith('\n')) throw badNote('not a signed note: expected text, a blank line, then signature lines')
  const text = note.slice(0, split + 1)
  const lines = note.slice(split + 2, -1).split('\n')
  if (lines.length > MAX_SIGNATURES) throw badNote(`signed note has more than ${MAX_SIGNATURES} signatures`)
  let verified = false
  for (const line of lines) {
    const match = line.startsWith(SIG_PREFIX) ? /^(\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line.slice(SIG_PREFIX.length)) : null
    const blob = match ? decodeBase64(match[2]!) : undefined
    if (!match || !blob || blob.length < 5) throw badNote(`malformed signature line ${JSON.stringify(line)}`)
    const name = match[1]!
    if (verifier.name !== undefined && name !== verifier.name) continue
    if (!blob.subarray(0, 4).equals(keyId(name, verifier.publicKey))) continue
    if (!verify(null, Buffer.from(text), verifier.publicKey, blob.subarray(4))) {
      throw new RtccError(`the signature by ${name} does not verify: the note was altered or signed by another key`, {code: 'bad_signature'})
    }
    verified = true
  }
  if (!verified) {
    throw new RtccError('no signature on the note is from the expected key', {
      code: 'bad_signature',
      hint: "Check you are using this log's public key.",
    })
  }
  return text
}

/** The tlog-checkpoint note text for a tree head. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  return `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.rootHash.toString('base64')}\n`
}

/** Parses tlog-checkpoint note text (extension lines are allowed and ignored). */
export function parseCheckpoint(text: string): Checkpoint {
  const [origin, size, root] = text.split('\n')
  const rootHash = root === undefined ? undefined : decodeBase64(root)
  if (!origin || size === undefined || !/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) {
    throw badNote('not a checkpoint: expected an origin line, then the tree size in decimal')
  }
  if (!rootHash || rootHash.length !== HASH_SIZE) throw badNote('not a checkpoint: the third line must be a base64 SHA-256 root hash')
  return {origin, size: Number(size), rootHash}
}

/** Signs a checkpoint; returns the signed note text. */
export function signCheckpoint(checkpoint: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(checkpoint), signer)
}

/** Verifies a signed checkpoint note and returns the tree head it commits to. */
export function openCheckpoint(note: string, verifier: NoteVerifier): Checkpoint {
  return parseCheckpoint(openNote(note, verifier))
}
