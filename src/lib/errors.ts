/**
 * The one error type every layer throws for a problem the user can act on (bad input, not found, not
 * allowed…): a stable code, the CLI exit code and, beside it, the HTTP status the server answers with.
 * The CLI renders it (renderError, in the output room); the server turns it into `{error: {code, message}}`. Anything
 * else that escapes is a bug and is shown as one.
 */
export const ExitCode = {ok: 0, failure: 1, usage: 2, partial: 3, unauthorized: 4} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface RtccErrorOptions {
  /** Stable machine-readable code, e.g. `not_found`, `auth_required`. */
  code?: string
  exitCode?: ExitCodeValue
  /** Where it happened: file:row:field, a camera id, a URL. */
  where?: string
  /** What to do next. */
  hint?: string
  details?: unknown
  /** Data the command still reports under --json (e.g. a failed verification report); the error joins it. */
  result?: object
}

export class RtccError extends Error {
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly where?: string
  readonly hint?: string
  readonly details?: unknown
  readonly result?: object

  constructor(message: string, options: RtccErrorOptions = {}) {
    super(message)
    this.name = 'RtccError'
    this.code = options.code ?? 'failed'
    this.exitCode = options.exitCode ?? ExitCode.failure
    this.where = options.where
    this.hint = options.hint
    this.details = options.details
    this.result = options.result
  }
}

export const usageError = (message: string, hint?: string): RtccError =>
  new RtccError(message, {code: 'usage', exitCode: ExitCode.usage, hint})

export const authError = (message: string, hint?: string): RtccError =>
  new RtccError(message, {code: 'not_authorized', exitCode: ExitCode.unauthorized, hint})

/** The HTTP status of a code the server may answer with (400 for any other user error). */
const HTTP_STATUS: Record<string, number> = {
  not_found: 404,
  inconsistent: 409,
  too_large: 413,
  not_video: 422,
  storage_full: 507,
  evidence_corrupt: 500,
  evidence_missing: 500,
  wrong_master_key: 500,
}

export const httpStatusOf = (error: RtccError): number => HTTP_STATUS[error.code] ?? 400
