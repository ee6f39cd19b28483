/**
 * Owners answer a request either from their logged-in session (request id) or with the one-time token
 * from the email, without an account: the token travels in a header, never in a URL.
 */
import {ApiClient} from './api.js'
import {connect} from './session.js'

export const REQUEST_TOKEN_HEADER = 'x-rtcc-request-token'

export async function answerClient(requestOrToken: string, options: {profile?: string; server?: string}): Promise<{api: ApiClient; path: string}> {
  if (!requestOrToken.startsWith('rtcc_r_')) return {api: await connect(options), path: `/v1/requests/${encodeURIComponent(requestOrToken)}`}
  const anonymous = await connect({...options, anonymous: true})
  const api = new ApiClient({...anonymous.options, token: undefined, headers: {[REQUEST_TOKEN_HEADER]: requestOrToken}})
  return {api, path: '/v1/requests/token'}
}
