/**
 * The server's data dir: the SQLite database, its TLS certificate, the audit signing key, the
 * evidence master key and the key that seals TOTP secrets in the database (server/mfa.ts). Everything
 * is created on first start owner-only (folders 0700, files 0600) and checked at every start
 * (./data-dir-permissions.ts).
 */
import {createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {homedir, hostname} from 'node:os'
import {join} from 'node:path'

import {checkDataDirPermissions, createOwnerOnly} from './data-dir-permissions.js'
import {certificateFingerprint, createSelfSignedCertificate} from './tls.js'

export function defaultDataDir(): string {
  if (process.env.RTCC_DATA_DIR) return process.env.RTCC_DATA_DIR
  const xdg = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share')
  return join(xdg, 'rtcc')
}

export interface ServerSecrets {
  dir: string
  dbFile: string
  certPem: string
  keyPem: string
  fingerprint: string
  signingKey: KeyObject
  publicKey: KeyObject
  publicKeyFile: string
  masterKey: Buffer
  /** AES-256 key for the TOTP secrets stored in the database. */
  mfaKey: Buffer
  /** Log identity used in signed checkpoints. */
  origin: string
}

function writeSecret(file: string, data: string | Buffer): void {
  writeFileSync(file, data, {mode: 0o600})
  chmodSync(file, 0o600)
}

/** Creates whatever is missing (first start) and loads the rest. */
export async function prepareDataDir(dir: string): Promise<ServerSecrets> {
  createOwnerOnly()
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const certFile = join(dir, 'tls-cert.pem')
  const keyFile = join(dir, 'tls-key.pem')
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const {certPem, keyPem} = await createSelfSignedCertificate(hostname())
    writeSecret(keyFile, keyPem)
    writeSecret(certFile, certPem)
  }

  const signingFile = join(dir, 'audit-signing.key')
  const publicKeyFile = join(dir, 'audit-signing.pub')
  if (!existsSync(signingFile)) {
    const {privateKey, publicKey} = generateKeyPairSync('ed25519')
    writeSecret(signingFile, privateKey.export({format: 'pem', type: 'pkcs8'}))
    writeSecret(publicKeyFile, publicKey.export({format: 'pem', type: 'spki'}))
  }

  const masterFile = join(dir, 'evidence-master.key')
  if (!existsSync(masterFile)) writeSecret(masterFile, randomBytes(32).toString('base64') + '\n')
  const mfaKeyFile = join(dir, 'mfa-secrets.key')
  if (!existsSync(mfaKeyFile)) writeSecret(mfaKeyFile, randomBytes(32).toString('base64') + '\n')
  checkDataDirPermissions(dir)

  const certPem = readFileSync(certFile, 'utf8')
  const signingKey = createPrivateKey(readFileSync(signingFile))
  return {
    dir,
    dbFile: join(dir, 'rtcc.db'),
    certPem,
    keyPem: readFileSync(keyFile, 'utf8'),
    fingerprint: certificateFingerprint(certPem),
    signingKey,
    publicKey: createPublicKey(signingKey),
    publicKeyFile,
    masterKey: Buffer.from(readFileSync(masterFile, 'utf8').trim(), 'base64'),
    mfaKey: Buffer.from(readFileSync(mfaKeyFile, 'utf8').trim(), 'base64'),
    origin: `rtcc/${hostname()}/audit`,
  }
}
