/**
 * HTTPS requests signed by a Core (`rtcc core camera add` runs on the Core host, outside the link):
 * headers name the Core, a time and a nonce, and carry its Ed25519 signature over the method, path,
 * time, nonce and the SHA-256 of the JSON body. A request older or newer than MAX_SKEW_MS, or a nonce
 * seen before, is refused.
 */
import {createHash} from 'node:crypto'

import type {FastifyRequest} from 'fastify'

import {requestMessage} from '../../domain/core.js'
import {verifySignature} from '../../core/identity.js'
import {type CoreRow, getCore} from '../../store/cores.js'
import type {ServerContext} from '../context.js'
import {HttpError} from '../http-error.js'

export const MAX_SKEW_MS = 120_000
const seenNonces = new Map<string, number>()

export const bodyDigest = (body: unknown): string => createHash('sha256').update(body === undefined ? '' : JSON.stringify(body)).digest('hex')

export function verifyCoreRequest(ctx: ServerContext, req: FastifyRequest, coreId: string): CoreRow {
  const header = (name: string) => {
    const value = req.headers[name]
    return typeof value === 'string' ? value : undefined
  }
  const time = header('x-rtcc-core-time')
  const nonce = header('x-rtcc-core-nonce')
  const signature = header('x-rtcc-core-signature')
  const core = getCore(ctx.db, coreId)
  req.rtcc.subject = {id: coreId, name: core ? `core ${core.name}` : coreId, role: 'core'}
  const refuse = (why: string) => new HttpError(401, 'core_signature', `request not accepted as Core ${coreId}: ${why}`)
  if (!core) throw refuse('no such Core is enrolled')
  if (!time || !nonce || !signature) throw refuse('the x-rtcc-core-time, -nonce and -signature headers are required')
  const now = Date.now()
  if (!(Math.abs(now - Date.parse(time)) <= MAX_SKEW_MS)) throw refuse(`its time ${time} is more than ${MAX_SKEW_MS / 1000} s from the server's; check the Core's clock`)
  for (const [seen, at] of seenNonces) if (now - at > 2 * MAX_SKEW_MS) seenNonces.delete(seen)
  if (seenNonces.has(`${coreId}:${nonce}`)) throw refuse('replayed nonce')
  const path = req.url.split('?')[0]!
  if (!verifySignature(core.public_key, requestMessage({method: req.method, path, time, nonce, bodySha256: bodyDigest(req.body)}), signature)) throw refuse('bad signature')
  seenNonces.set(`${coreId}:${nonce}`, now)
  return core
}
