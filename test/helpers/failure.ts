/** The error a promise rejects with (the test fails if it resolves instead). */
import type {RtccError} from '../../src/lib/errors.js'

export async function failure(promise: Promise<unknown>): Promise<RtccError> {
  const error = await promise.then(() => undefined, (e: RtccError) => e)
  if (!error) throw new Error('expected a failure, but the promise resolved')
  return error
}
