/**
 * A CA-issued certificate for the server (`rtcc server start --tls-cert FILE --tls-key FILE`): the PEM
 * file holds the leaf first, then its chain. Checked before use (parses, key matches, in date), so a
 * bad file is refused with its name instead of breaking the handshakes, both at start and on SIGHUP.
 */
import {createPrivateKey, X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'

import {RtccError} from '../errors.js'
import {certificateFingerprint} from './tls.js'

export interface TlsFiles {
  certFile: string
  keyFile: string
}

export interface LoadedTls {
  certPem: string
  keyPem: string
  /** SHA-256 of the leaf, what pinning clients compare. */
  fingerprint: string
  /** Whether the leaf is self-signed (clients must pin it) or issued by a CA (clients may verify it). */
  selfSigned: boolean
  notAfter: string
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

export function loadTlsFiles(files: TlsFiles, now = new Date()): LoadedTls {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8')
    } catch (error) {
      throw new RtccError(`cannot read ${file}: ${(error as Error).message}`, {code: 'bad_tls_file', where: file})
    }
  }
  const certPem = read(files.certFile)
  const keyPem = read(files.keyFile)
  const blocks = certPem.match(PEM_CERT) ?? []
  if (blocks.length === 0) throw new RtccError(`${files.certFile} holds no PEM certificate`, {code: 'bad_tls_file', where: files.certFile, hint: 'Pass the certificate as PEM: the server certificate first, then the intermediates.'})
  let leaf: X509Certificate
  try {
    leaf = new X509Certificate(blocks[0]!)
  } catch (error) {
    throw new RtccError(`${files.certFile}: the first certificate does not parse: ${(error as Error).message}`, {code: 'bad_tls_file', where: files.certFile})
  }
  let key
  try {
    key = createPrivateKey(keyPem)
  } catch (error) {
    throw new RtccError(`${files.keyFile} holds no usable private key: ${(error as Error).message}`, {code: 'bad_tls_file', where: files.keyFile, hint: 'Pass an unencrypted PEM private key.'})
  }
  if (!leaf.checkPrivateKey(key)) throw new RtccError(`${files.keyFile} is not the key of the first certificate in ${files.certFile}`, {code: 'bad_tls_file', where: files.keyFile, hint: 'The server certificate must come first in the certificate file.'})
  if (new Date(leaf.validTo) < now) throw new RtccError(`the certificate in ${files.certFile} expired on ${new Date(leaf.validTo).toISOString()}`, {code: 'bad_tls_file', where: files.certFile})
  return {certPem, keyPem, fingerprint: certificateFingerprint(blocks[0]!), selfSigned: leaf.issuer === leaf.subject && leaf.verify(leaf.publicKey), notAfter: new Date(leaf.validTo).toISOString()}
}
