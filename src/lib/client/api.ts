/**
 * Typed HTTPS client for the rtcc API (got). Maps server errors to CliErrors with the documented exit
 * codes, and a changed certificate to a loud refusal.
 */
import got, {type Got, RequestError} from 'got'

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

interface ServerError {
  error?: {code?: string; message?: string; field?: string; details?: unknown}
}

export class ApiClient {
  readonly http: Got
  private witnessed?: Promise<void>

  constructor(readonly options: ApiOptions) {
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

  get<T>(path: string, searchParams?: Record<string, string | number | boolean | undefined>): Promise<T> {
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

  async request<T>(method: string, path: string, body?: unknown, searchParams?: Record<string, string | number | boolean | undefined>): Promise<T> {
    if (this.options.witness) await (this.witnessed ??= import('./checkpoint.js').then(({witnessAuditLog}) => witnessAuditLog(this)))
    return this.send<T>(method, path, body, searchParams)
  }

  /** One request, without the witness check. */
  async send<T>(method: string, path: string, body?: unknown, searchParams?: Record<string, string | number | boolean | undefined>): Promise<T> {
    const params = searchParams ? Object.fromEntries(Object.entries(searchParams).filter(([, v]) => v !== undefined)) as Record<string, string> : undefined
    let response
    try {
      response = await this.http(path.replace(/^\//, ''), {method: method as 'GET', json: body, searchParams: params, responseType: 'text'})
    } catch (error) {
      throw await this.networkError(error)
    }
    const text = response.body as string
    const data = (text ? safeJson(text) : undefined) as T & ServerError
    if (response.statusCode >= 400) throw httpError(response.statusCode, data, `${method} ${path}`)
    return data as T
  }

  async networkError(error: unknown): Promise<RtccError> {
    const cause = (error as {cause?: unknown})?.cause
    let mismatch = [error, cause].find((e) => e instanceof FingerprintMismatch) as FingerprintMismatch | undefined
    const code = (error as RequestError).code ?? ''
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
