/** How the CLI shows an RtccError: text on stderr, or the --json error document; bugs shown as bugs. */
import {RtccError, usageError} from '../errors.js'

export interface ErrorJson {
  error: {code: string; message: string; where?: string; hint?: string; details?: unknown}
  [key: string]: unknown
}

/** Normalise anything thrown into a RtccError; oclif parse errors become usage errors (exit 2). */
export function toRtccError(error: unknown): RtccError {
  if (error instanceof RtccError) return error
  const err = error as {message?: string; oclif?: {exit?: number}; code?: string}
  if (err?.oclif?.exit === 2) return usageError(stripAnsi(err.message ?? 'invalid usage'), 'See --help for usage.')
  const message = err?.message ?? String(error)
  const bug = new RtccError(`unexpected error: ${message}`, {
    code: 'internal',
    hint: 'This is a bug in rtcc. Run again with DEBUG=rtcc* to see the stack trace, and report it.',
  })
  bug.stack = (error as Error)?.stack
  return bug
}

export function errorJson(error: RtccError): ErrorJson {
  const {code, message, where, hint, details} = error
  return {...error.result, error: {code, message, where, hint, details}}
}

export function renderError(error: RtccError, color: (s: string) => string = (s) => s): string {
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
