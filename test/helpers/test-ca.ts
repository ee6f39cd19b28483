/**
 * A test certificate authority and a server certificate it issued for 127.0.0.1/localhost, written as
 * files the way agency IT hands them to `rtcc server start --tls-cert/--tls-key` (leaf, then the CA).
 * `spkiSha256` is what Chromium's --ignore-certificate-errors-spki-list takes to trust this CA.
 */
import {createHash, createPublicKey, webcrypto} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

const ALG = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'}

export interface TestCa {
  caPem: string
  /** base64 SHA-256 of the CA's SubjectPublicKeyInfo (Chromium's SPKI list form). */
  spkiSha256: string
  /** Issue a server certificate for `hosts` (DNS names or IPs); files written into `dir`. */
  issue(dir: string, options?: {hosts?: string[]; days?: number; name?: string}): Promise<{certFile: string; keyFile: string; caFile: string; leafPem: string}>
}

const pemKey = (der: ArrayBuffer) => `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`
const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1')

export async function createTestCa(name = 'rtcc test CA'): Promise<TestCa> {
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const now = Date.now()
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 30 * 86_400_000),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const caPem = ca.toString('pem') + '\n'
  const spki = createPublicKey(caPem).export({type: 'spki', format: 'der'})
  return {
    caPem,
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
    issue: async (dir, options = {}) => {
      const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
      const hosts = options.hosts ?? ['127.0.0.1', 'localhost']
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${options.name ?? hosts[0]}`,
        issuer: ca.subject,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + (options.days ?? 7) * 86_400_000),
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(hosts.map((h) => (/^[\d.]+$|:/.test(h) ? {type: 'ip' as const, value: h} : {type: 'dns' as const, value: h}))),
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        ],
      })
      const leafPem = leaf.toString('pem') + '\n'
      const certFile = join(dir, 'server-chain.pem')
      const keyFile = join(dir, 'server-key.pem')
      const caFile = join(dir, 'ca.pem')
      writeFileSync(certFile, leafPem + caPem)
      writeFileSync(keyFile, pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), {mode: 0o600})
      writeFileSync(caFile, caPem)
      return {certFile, keyFile, caFile, leafPem}
    },
  }
}
