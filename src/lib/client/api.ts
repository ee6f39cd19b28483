/**
 * The full API client: JsonClient's JSON calls plus `http`, a got instance with the same base URL,
 * credentials and pinned certificate, for uploads, downloads and streams. Loading got is what makes
 * this the heavier of the two: read commands connect with a JsonClient (session.ts connectJson).
 */
import got, {type Got} from 'got'

import {type ApiOptions, JsonClient} from './json-client.js'
import {pinnedTls} from './pinning.js'

export {type ApiOptions, httpError} from './json-client.js'

export class ApiClient extends JsonClient {
  readonly http: Got

  constructor(options: ApiOptions, witnessed?: JsonClient['witnessed']) {
    super(options, witnessed)
    this.http = got.extend({
      prefixUrl: options.baseUrl.replace(/\/$/, ''),
      headers: {
        ...options.headers,
        ...(options.token ? {authorization: `Bearer ${options.token}`} : {}),
        'user-agent': 'rtcc-cli',
      },
      https: options.pin ? pinnedTls(options.pin) : {minVersion: 'TLSv1.3'},
      retry: {limit: 0},
      throwHttpErrors: false,
      timeout: {request: options.timeoutMs ?? 60_000},
    })
  }

  /** The full client for a JsonClient's server and credentials, sharing its audit witness check. */
  static from(client: JsonClient): ApiClient {
    return client instanceof ApiClient ? client : new ApiClient(client.options, client.witnessed)
  }
}
