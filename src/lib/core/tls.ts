/** TLS for everything the Core dials: TLS 1.3 only, and only the server certificate pinned at provisioning. */
import type {ClientOptions} from 'ws'

import type {CoreConfig} from '../domain/core.js'
import {pinnedTls} from '../client/pinning.js'

/**
 * Options for a `ws` client. ws hands them to tls.connect, whose checkServerIdentity returns an Error
 * to refuse; @types/ws describes an older boolean form, hence the one cast here.
 */
export function coreWsOptions(server: CoreConfig['server']): ClientOptions {
  const pinned = pinnedTls({certPem: server.certPem, fingerprint: server.fingerprint})
  return {ca: pinned.certificateAuthority, checkServerIdentity: pinned.checkServerIdentity, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3'} as unknown as ClientOptions
}

/** `https://host:port` → `wss://host:port/path`. */
export const wssUrl = (serverUrl: string, path: string): string => new URL(path, serverUrl.replace(/^http/i, 'ws')).toString()
