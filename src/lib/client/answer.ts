/**
 * Owners answer a request either from their logged-in session (request id) or with the one-time token
 * from the email, without an account: the token travels in a header, never in a URL. An owner with no
 * profile passes the server and its certificate fingerprint from the email (--server, --fingerprint):
 * the certificate is pinned for this call only, nothing is saved.
 */
import {REQUEST_TOKEN_HEADER} from '../domain/requests.js'
import {ApiClient} from './api.js'
import {pinServer} from './login.js'
import {connect} from './session.js'

export {REQUEST_TOKEN_HEADER} from '../domain/requests.js'

export interface AnswerClient {
  api: ApiClient
  /** Where answers go: uploads (`…/evidence`), `…/complete`, `…/decline`. */
  path: string
  /** Where the request itself is read (its cameras, its status). */
  viewPath: string
}

export async function answerClient(requestOrToken: string, options: {profile?: string; server?: string; fingerprint?: string}): Promise<AnswerClient> {
  const byToken = requestOrToken.startsWith('rtcc_r_')
  const session = await connect({profile: options.profile, server: options.server, anonymous: byToken})
  const pin = options.fingerprint ? (await pinServer(session.options.baseUrl, options.fingerprint)).pin : session.options.pin
  if (!byToken) {
    const path = `/v1/requests/${encodeURIComponent(requestOrToken)}`
    return {api: new ApiClient({...session.options, pin}), path, viewPath: path}
  }
  const api = new ApiClient({...session.options, pin, token: undefined, headers: {[REQUEST_TOKEN_HEADER]: requestOrToken}})
  return {api, path: '/v1/requests/token', viewPath: '/v1/requests/by-token'}
}
