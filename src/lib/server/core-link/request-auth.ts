/**
 * HTTPS requests signed by a Core (`rtcc core camera add` runs on the Core host, outside the link):
 * headers name the Core, a time and a nonce, and carry its Ed25519 signature over the method, path,
 * time, nonce and the SHA-256 of the JSON body. A request older or newer than MAX_SKEW_MS, or a nonce
 * seen before, is refused.
 */
import {createHash} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'

import {requestMessage} from '../../domain/core.js'
import {verifySignature} from '../../core/identity.js'
import type {ServiceContext} from '../../services/context.js'
import type {CoreRow} from '../../store/cores.js'
import {HttpError} from '../http-error.js'

export const MAX_SKEW_MS = 120_000
const seenNonces = new Map<string, number>()

export const bodyDigest = (body: unknown): string => createHash('sha256').update(body === undefined ? '' : JSON.stringify(body)).digest('hex')

/** What a signature covers, as the request arrived. */
export interface SignedRequest {
  method: string
  /** The request target; its path is signed (the query is not). */
  url: string
  headers: IncomingHttpHeaders
  body: unknown
}

/** The Core that signed the request, or a 401 (recorded with the Core it claimed to be). */
export async function verifyCoreRequest(ctx: ServiceContext, request: SignedRequest, coreId: string): Promise<CoreRow> {
  const header = (name: string) => {
    const value = request.headers[name]
    return typeof value === 'string' ? value : undefined
  }
  const time = header('x-rtcc-core-time')
  const nonce = header('x-rtcc-core-nonce')
  const signature = header('x-rtcc-core-signature')
  const core = await ctx.store.cores.getCore(coreId)
  ctx.note({subject: {id: coreId, name: core ? `core ${core.name}` : coreId, role: 'core'}})
  const refuse = (why: string) => new HttpError(401, 'core_signature', `request not accepted as Core ${coreId}: ${why}`)
  if (!core) throw refuse('no such Core is enrolled')
  if (!time || !nonce || !signature) throw refuse('the x-rtcc-core-time, -nonce and -signature headers are required')
  const now = Date.now()
  if (!(Math.abs(now - Date.parse(time)) <= MAX_SKEW_MS)) throw refuse(`its time ${time} is more than ${MAX_SKEW_MS / 1000} s from the server's; check the Core's clock`)
  for (const [seen, at] of seenNonces) if (now - at > 2 * MAX_SKEW_MS) seenNonces.delete(seen)
  if (seenNonces.has(`${coreId}:${nonce}`)) throw refuse('replayed nonce')
  const path = request.url.split('?')[0]!
  if (!verifySignature(core.public_key, requestMessage({method: request.method, path, time, nonce, bodySha256: bodyDigest(request.body)}), signature)) throw refuse('bad signature')
  seenNonces.set(`${coreId}:${nonce}`, now)
  return core
}
