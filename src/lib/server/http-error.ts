/** Errors a route throws on purpose: they become `{error: {code, message, field?}}` with their status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

export const badRequest = (message: string, field?: string, details?: unknown) => new HttpError(400, 'invalid', message, field, details)
export const unauthenticated = (message = 'authentication required: log in with `rtcc login`') => new HttpError(401, 'auth_required', message)
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message)
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`)
export const conflict = (message: string, field?: string) => new HttpError(409, 'conflict', message, field)
