/**
 * User-facing errors. Library code throws these; the base command renders them and maps them to the
 * documented exit codes. Anything else that escapes is a bug and is shown as one.
 */
export const ExitCode = {ok: 0, failure: 1, usage: 2, partial: 3, unauthorized: 4} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface CliErrorOptions {
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

export class CliError extends Error {
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly where?: string
  readonly hint?: string
  readonly details?: unknown
  readonly result?: object

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message)
    this.name = 'CliError'
    this.code = options.code ?? 'failed'
    this.exitCode = options.exitCode ?? ExitCode.failure
    this.where = options.where
    this.hint = options.hint
    this.details = options.details
    this.result = options.result
  }
}

export const usageError = (message: string, hint?: string): CliError =>
  new CliError(message, {code: 'usage', exitCode: ExitCode.usage, hint})

export const authError = (message: string, hint?: string): CliError =>
  new CliError(message, {code: 'not_authorized', exitCode: ExitCode.unauthorized, hint})

export interface ErrorJson {
  error: {code: string; message: string; where?: string; hint?: string; details?: unknown}
  [key: string]: unknown
}

/** Normalise anything thrown into a CliError; oclif parse errors become usage errors (exit 2). */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error
  const err = error as {message?: string; oclif?: {exit?: number}; code?: string}
  if (err?.oclif?.exit === 2) return usageError(stripAnsi(err.message ?? 'invalid usage'), 'See --help for usage.')
  const message = err?.message ?? String(error)
  const bug = new CliError(`unexpected error: ${message}`, {
    code: 'internal',
    hint: 'This is a bug in rtcc. Run again with DEBUG=rtcc* to see the stack trace, and report it.',
  })
  bug.stack = (error as Error)?.stack
  return bug
}

export function errorJson(error: CliError): ErrorJson {
  const {code, message, where, hint, details} = error
  return {...error.result, error: {code, message, where, hint, details}}
}

export function renderError(error: CliError, color: (s: string) => string = (s) => s): string {
  const lines = [`${color('✘')} ${error.message}`]
  if (error.where) lines.push(`  where: ${error.where}`)
  if (error.hint) lines.push(`  try:   ${error.hint}`)
  if (debugEnabled() && error.stack) lines.push(error.stack)
  return lines.join('\n') + '\n'
}

export function debugEnabled(): boolean {
  return /(^|,)rtcc(\*|:|,|$)/.test(process.env.DEBUG ?? '')
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;]*m/g, '')
}
