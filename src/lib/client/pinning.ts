/**
 * Certificate pinning. The server's certificate is self-signed by default, so the client trusts exactly
 * the certificate it pinned at `rtcc login` (trust on first use, or `--fingerprint`): that PEM is the
 * only CA, and checkServerIdentity compares the SHA-256 fingerprint before any request byte is sent.
 * A CA-issued certificate can be pinned the same way (the pinned PEM then holds the presented chain,
 * so it verifies); when it chains to a CA this machine trusts (system CAs, NODE_EXTRA_CA_CERTS),
 * `rtcc login` needs no pin and the client verifies it normally.
 */
import {createHash, X509Certificate} from 'node:crypto'
import {connect, type DetailedPeerCertificate, type PeerCertificate} from 'node:tls'

import {RtccError} from '../errors.js'

export const fingerprintOf = (der: Buffer): string =>
  createHash('sha256').update(der).digest('hex').toUpperCase().match(/.{2}/g)!.join(':')

export const normaliseFingerprint = (text: string): string =>
  text.replace(/^sha256[:=]?/i, '').replace(/[^0-9a-f]/gi, '').toUpperCase().match(/.{2}/g)?.join(':') ?? ''

export interface PresentedCertificate {
  /** The leaf, then the chain the server presented (PEM). */
  pem: string
  /** SHA-256 of the leaf. */
  fingerprint: string
  /** Chains to a CA this machine trusts and names the host: verifiable without a pin. */
  trusted: boolean
}

/** Fetch the server certificate without trusting it and without sending any HTTP data. */
export function fetchCertificate(url: string, timeoutMs = 5000): Promise<PresentedCertificate> {
  const {hostname, port} = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect({host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 443), servername: isIp(hostname) ? undefined : hostname, rejectUnauthorized: false, minVersion: 'TLSv1.3'})
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)))
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(true)
      const trusted = socket.authorized
      socket.end()
      resolve({pem: chainOf(cert).map((der) => new X509Certificate(der).toString()).join(''), fingerprint: fingerprintOf(cert.raw), trusted})
    })
    socket.once('error', (err) => reject(new RtccError(`cannot reach ${url}: ${err.message}`, {code: 'unreachable', where: url, hint: 'Check the URL, and that the server runs (`rtcc server start`).'})))
  })
}

/** The presented certificates, leaf first (getPeerCertificate(true) links issuers; a root links to itself). */
function chainOf(leaf: DetailedPeerCertificate): Buffer[] {
  const chain: Buffer[] = []
  for (let cert: DetailedPeerCertificate | undefined = leaf; cert?.raw && !chain.some((c) => c.equals(cert!.raw)); cert = cert.issuerCertificate) chain.push(cert.raw)
  return chain
}

const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(':')

export class FingerprintMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`server certificate changed: pinned ${expected}, server presented ${actual}`)
  }
}

/** TLS options for got/https that trust only the pinned certificate. */
export function pinnedTls(pin: {certPem: string; fingerprint: string}) {
  return {
    certificateAuthority: pin.certPem,
    minVersion: 'TLSv1.3' as const,
    checkServerIdentity: (_host: string, cert: PeerCertificate): Error | undefined => {
      const actual = fingerprintOf(cert.raw)
      return actual === pin.fingerprint ? undefined : new FingerprintMismatch(pin.fingerprint, actual)
    },
  }
}
