/**
 * The rtcc API's JSON calls over node:https, with the pinned certificate: what read commands and the
 * dashboard need. No HTTP library on purpose: loading got costs a command more start-up time than the
 * request itself (issue 16), and a JSON request/response needs nothing it adds. ApiClient (api.ts)
 * extends this with got for uploads and streams. Maps server errors to RtccErrors with the documented
 * exit codes, and a changed certificate to a loud refusal.
 */
import {request as httpsRequest} from 'node:https'

import {RtccError, ExitCode} from '../errors.js'
import {connectionError} from './connection-errors.js'
import {fetchCertificate, FingerprintMismatch, pinnedTls} from './pinning.js'

export interface ApiOptions {
  baseUrl: string
  token?: string
  pin?: {certPem: string; fingerprint: string}
  timeoutMs?: number
  headers?: Record<string, string>
  /**
   * Before the first request, check the server's audit log still extends the newest checkpoint this
   * machine saw (client/checkpoint.ts). On for the CLI's and dashboard's logged-in clients.
   */
  witness?: boolean
}

export type SearchParams = Record<string, string | number | boolean | undefined>

interface ServerError {
  error?: {code?: string; message?: string; field?: string; details?: unknown}
}

export class JsonClient {
  constructor(
    readonly options: ApiOptions,
    /** The witness check's promise once started: shared by the clients made from this one (ApiClient.from). */
    readonly witnessed: {check?: Promise<void>} = {},
  ) {}

  get<T>(path: string, searchParams?: SearchParams): Promise<T> {
    return this.request<T>('GET', path, undefined, searchParams)
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {})
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body)
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path)
  }

  async request<T>(method: string, path: string, body?: unknown, searchParams?: SearchParams): Promise<T> {
    if (this.options.witness) await (this.witnessed.check ??= import('./checkpoint.js').then(({witnessAuditLog}) => witnessAuditLog(this)))
    return this.send<T>(method, path, body, searchParams)
  }

  /** One request, without the witness check. */
  async send<T>(method: string, path: string, body?: unknown, searchParams?: SearchParams): Promise<T> {
    const url = new URL(`${this.options.baseUrl.replace(/\/$/, '')}/${path.replace(/^\//, '')}`)
    for (const [name, value] of Object.entries(searchParams ?? {})) if (value !== undefined) url.searchParams.set(name, String(value))
    let response
    try {
      response = await this.exchange(method, url, body === undefined ? undefined : JSON.stringify(body))
    } catch (error) {
      throw await this.networkError(error)
    }
    const data = (response.text ? safeJson(response.text) : undefined) as T & ServerError
    if (response.status >= 400) throw httpError(response.status, data, `${method} ${path}`)
    return data as T
  }

  /** The raw exchange: status and body text; rejects with the socket's error (its `code` says why). */
  private exchange(method: string, url: URL, payload: string | undefined): Promise<{status: number; text: string}> {
    const {token, pin, headers, timeoutMs = 60_000} = this.options
    const tls = pin ? pinnedTls(pin) : undefined
    return new Promise((resolve, reject) => {
      const request = httpsRequest(
        url,
        {
          method,
          headers: {
            ...headers,
            ...(token ? {authorization: `Bearer ${token}`} : {}),
            'user-agent': 'rtcc-cli',
            ...(payload === undefined ? {} : {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)}),
          },
          minVersion: 'TLSv1.3',
          ...(tls ? {ca: tls.certificateAuthority, checkServerIdentity: tls.checkServerIdentity} : {}),
        },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('error', fail)
          response.on('end', () => {
            clearTimeout(timer)
            resolve({status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')})
          })
        },
      )
      // The whole exchange's deadline, as got's timeout.request was.
      const timer = setTimeout(() => request.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), {code: 'ETIMEDOUT'})), timeoutMs)
      function fail(error: Error) {
        clearTimeout(timer)
        reject(error)
      }
      request.on('error', fail)
      request.end(payload)
    })
  }

  async networkError(error: unknown): Promise<RtccError> {
    const cause = (error as {cause?: unknown})?.cause
    let mismatch = [error, cause].find((e) => e instanceof FingerprintMismatch) as FingerprintMismatch | undefined
    const code = (error as {code?: string}).code ?? ''
    // A different self-signed certificate fails chain verification against the pinned one before
    // checkServerIdentity runs: fetch it (without sending anything) to say what changed.
    if (!mismatch && this.options.pin && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
      const presented = await fetchCertificate(this.options.baseUrl).catch(() => undefined)
      if (presented && presented.fingerprint !== this.options.pin.fingerprint) mismatch = new FingerprintMismatch(this.options.pin.fingerprint, presented.fingerprint)
    }
    if (mismatch)
      return new RtccError(`REFUSED: the server's certificate changed. Pinned ${mismatch.expected}, presented ${mismatch.actual}. This can mean someone is intercepting the connection.`, {
        code: 'certificate_changed',
        where: this.options.baseUrl,
        hint: 'If the server was legitimately re-keyed, confirm the new fingerprint with its admin, then `rtcc login URL --fingerprint NEW`.',
      })
    return connectionError(this.options.baseUrl, error)
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return {error: {message: text.slice(0, 200)}}
  }
}

export function httpError(status: number, data: ServerError | undefined, where: string): RtccError {
  const code = data?.error?.code ?? `http_${status}`
  const message = data?.error?.message ?? `server answered ${status}`
  if (status === 401) return new RtccError(message, {code, exitCode: ExitCode.unauthorized, where, hint: 'Log in with `rtcc login URL`, or set RTCC_TOKEN.'})
  if (status === 403) return new RtccError(message, {code, exitCode: ExitCode.unauthorized, where})
  const field = data?.error?.field
  // 400: the server refused what was asked (validation), a usage error like a bad flag.
  const exitCode = status === 400 ? ExitCode.usage : ExitCode.failure
  return new RtccError(message, {code, exitCode, where: field ? `${where} (field ${field})` : where, details: data?.error?.details})
}
