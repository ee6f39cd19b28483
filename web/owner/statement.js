/**
 * Owner statements made in the browser with WebCrypto: the phone's Ed25519 key (made not extractable,
 * kept in IndexedDB) signs panics exactly as the owner's CLI does (src/lib/policy/document.ts): the
 * signature covers "format \n type \n ownerId \n keyId \n payload", payload being the JSON text.
 * Plain ES module with no browser-only globals, so the tests run the very same code in Node.
 */
export const STATEMENT_FORMAT = 'rtcc-owner-statement/1'

const subtle = () => globalThis.crypto.subtle

export function base64url(bytes) {
  let text = ''
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte)
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A new device key pair; the private half can sign but never be exported. */
export const makeDeviceKey = () => subtle().generateKey({name: 'Ed25519'}, false, ['sign', 'verify'])

/** The raw 32-byte public key, base64url (what the server and the owner's CLI see). */
export const rawPublicKey = async (keyPair) => base64url(await subtle().exportKey('raw', keyPair.publicKey))

/** Key id: the first 16 characters of base64url(SHA-256(raw public key)), as `ownerKeyId`. */
export async function keyIdOf(publicKey) {
  const raw = Uint8Array.from(atob(publicKey.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
  return base64url(await subtle().digest('SHA-256', raw)).slice(0, 16)
}

export async function signStatement(type, payload, signer) {
  const unsigned = {format: STATEMENT_FORMAT, type, ownerId: signer.ownerId, keyId: signer.keyId, payload: JSON.stringify(payload)}
  const bytes = new TextEncoder().encode([unsigned.format, unsigned.type, unsigned.ownerId, unsigned.keyId, unsigned.payload].join('\n'))
  return {...unsigned, signature: base64url(await subtle().sign({name: 'Ed25519'}, signer.privateKey, bytes))}
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'

/** An `alr_…` id like the server's newId: 10 characters of time, 16 random. */
export function newPanicId(now = Date.now()) {
  let time = ''
  for (let i = 0, ms = now; i < 10; i++, ms = Math.floor(ms / 32)) time = ALPHABET[ms % 32] + time
  const random = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => ALPHABET[b % 32]).join('')
  return `alr_${time}${random}`
}

export function panicStatement(signer, {minutes, message}, now = new Date()) {
  const payload = {panicId: newPanicId(now.getTime()), startedAt: now.toISOString(), until: new Date(now.getTime() + minutes * 60_000).toISOString(), message: message || null}
  return signStatement('panic', payload, signer)
}

export const clearStatement = (signer, panicIds, now = new Date()) => signStatement('panic-clear', {panicIds, clearedAt: now.toISOString()}, signer)
