/** HTTPS requests the Core signs with its identity key (pinned TLS 1.3), for calls outside the link. */
import {createHash, randomBytes} from 'node:crypto'

import {ApiClient} from '../client/api.js'
import {type CoreConfig, requestMessage} from '../domain/core.js'
import {readIdentityPem} from './config.js'
import {loadPrivateKey, signMessage} from './identity.js'

export function coreRequest<T>(dir: string, config: CoreConfig, method: 'POST' | 'GET', path: string, body?: unknown): Promise<T> {
  const time = new Date().toISOString()
  const nonce = randomBytes(16).toString('base64url')
  // The server hashes the JSON it parsed; JSON.stringify of that equals the text got sends for `body`.
  const bodySha256 = createHash('sha256').update(body === undefined ? '' : JSON.stringify(body)).digest('hex')
  const signature = signMessage(loadPrivateKey(readIdentityPem(dir)), requestMessage({method, path, time, nonce, bodySha256}))
  const api = new ApiClient({
    baseUrl: config.server.url,
    pin: {certPem: config.server.certPem, fingerprint: config.server.fingerprint},
    headers: {'x-rtcc-core-time': time, 'x-rtcc-core-nonce': nonce, 'x-rtcc-core-signature': signature},
  })
  return api.request<T>(method, path, body)
}
