/**
 * TOTP second factor: codes, the time step each one belongs to (a step is accepted once), and the
 * sealing of TOTP secrets at rest. Secrets are encrypted with AES-256-GCM under the MFA key, a 0600
 * file in the data dir (data-dir.ts), so a copy of the database alone yields no second factor. The
 * user id is the associated data: a sealed secret copied onto another account does not open.
 */
import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto'
import * as OTPAuth from 'otpauth'

import type {Store} from '../store/store.js'
import {HttpError} from './http-error.js'

const SEALED_PREFIX = 'enc1:'

export function totpFor(username: string, secretBase32: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({issuer: 'rtcc', label: username, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secretBase32)})
}

/** The time step of a valid code (one step of clock drift either way), or undefined. */
export function totpStep(username: string, secretBase32: string, otp: string, now: Date): number | undefined {
  const totp = totpFor(username, secretBase32)
  const delta = totp.validate({token: otp, timestamp: now.getTime(), window: 1})
  return delta === null ? undefined : totp.counter({timestamp: now.getTime()}) + delta
}

export function sealSecret(key: Buffer, userId: string, secret: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(userId))
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
  return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')
}

/** Throws if the value was not sealed for this user under this key (another key file, a tampered row). */
export function openSecret(key: Buffer, userId: string, stored: string): string {
  try {
    const raw = Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64')
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(Buffer.from(userId))
    decipher.setAuthTag(raw.subarray(12, 28))
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
  } catch {
    throw new HttpError(
      500,
      'mfa_key_mismatch',
      `the TOTP secret of ${userId} does not open with mfa-secrets.key in the data dir: restore the key file that belongs to this database, or have an admin reset the second factor (\`rtcc user mfa require NAME --reset\`)`,
    )
  }
}

/** Seals the plain TOTP secrets an older version stored; the store rewrites them leaving no plain copy behind. Run at start. */
export async function sealPlainMfaSecrets(store: Store, key: Buffer): Promise<void> {
  const plain = (await store.users.listMfaSecrets()).filter((u) => [u.mfa_secret, u.mfa_pending_secret].some((s) => s !== null && !s.startsWith(SEALED_PREFIX)))
  if (plain.length === 0) return
  const seal = (id: string, s: string | null) => (s === null || s.startsWith(SEALED_PREFIX) ? s : sealSecret(key, id, s))
  await store.users.replaceMfaSecrets(plain.map((u) => ({id: u.id, mfa_secret: seal(u.id, u.mfa_secret), mfa_pending_secret: seal(u.id, u.mfa_pending_secret)})))
}
