/**
 * The Core's identity: an Ed25519 key pair made at provisioning. The private key never leaves the
 * Core host (0600 file); the server holds the public key and checks the Core's signatures with it.
 */
import {createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify} from 'node:crypto'

export interface IdentityPems {
  privateKeyPem: string
  publicKeyPem: string
}

export function generateIdentity(): IdentityPems {
  const {privateKey, publicKey} = generateKeyPairSync('ed25519')
  return {
    privateKeyPem: privateKey.export({format: 'pem', type: 'pkcs8'}).toString(),
    publicKeyPem: publicKey.export({format: 'pem', type: 'spki'}).toString(),
  }
}

export const loadPrivateKey = (pem: string): KeyObject => createPrivateKey(pem)

export const signMessage = (privateKey: KeyObject, message: Buffer): string => sign(null, message, privateKey).toString('base64')

/** False for a malformed key or signature as well as a wrong one. */
export function verifySignature(publicKeyPem: string, message: Buffer, signature: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem)
    if (key.asymmetricKeyType !== 'ed25519') return false
    return verify(null, message, key, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}

/** Normalised SPKI PEM of an Ed25519 public key, or undefined when it is not one. */
export function normalisePublicKey(pem: string): string | undefined {
  try {
    const key = createPublicKey(pem)
    return key.asymmetricKeyType === 'ed25519' ? key.export({format: 'pem', type: 'spki'}).toString() : undefined
  } catch {
    return undefined
  }
}
