/** The server's self-signed certificate (ECDSA P-256) and the fingerprint clients pin. */
import {createHash, webcrypto, X509Certificate} from 'node:crypto'

export async function createSelfSignedCertificate(host: string): Promise<{certPem: string; keyPem: string}> {
  const x509 = await import('@peculiar/x509')
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])
  const alg = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'}
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=rtcc server ${host.replace(/[,=+<>#;"\\]/g, '-')}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 825 * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension([
        {type: 'dns', value: 'localhost'},
        {type: 'dns', value: host},
        {type: 'ip', value: '127.0.0.1'},
        {type: 'ip', value: '::1'},
      ]),
    ],
  })
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`
  return {certPem: cert.toString('pem') + '\n', keyPem}
}

/** SHA-256 over the DER certificate, as `AB:CD:…` (the form openssl and browsers show). */
export function certificateFingerprint(certPemOrDer: string | Buffer): string {
  const der = typeof certPemOrDer === 'string' ? new X509Certificate(certPemOrDer).raw : certPemOrDer
  return formatFingerprint(createHash('sha256').update(der).digest('hex'))
}

export function formatFingerprint(hex: string): string {
  return hex.replace(/[^0-9a-f]/gi, '').toUpperCase().match(/.{2}/g)!.join(':')
}
