/**
 * One way to declare a route: method, URL, audit action, the roles it allows (default deny: a route
 * must name them, or say `public`), zod schemas for body and query, a rate limit (public routes), and a handler.
 *
 * Handlers are thin: they call a service with `call.ctx`, a ServiceContext whose `audited(fn)` runs fn
 * and appends the audit record in one store transaction, so there is no change without its record and
 * no record for a rollback. Calls that never reach it (denied, invalid, not found) are recorded by the
 * onSend hook in app.ts, before the response leaves; if that record cannot be written the request fails.
 */
import type {FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'
import {z} from 'zod'

import type {AuditOutcome} from '../audit/record.js'
import type {Role} from '../domain/roles.js'
import type {AuditFacts, ServiceContext} from '../services/context.js'
import type {Actor, ServerContext} from './context.js'
import {authenticate} from './credentials.js'
import {badRequest, forbidden, HttpError} from './http-error.js'
import {cookieAuthorization} from './web/session.js'

export interface Call<B, Q> {
  /** The server's parts plus this call's audit recorder: what services take. */
  ctx: ServiceContext
  actor: Actor
  body: B
  query: Q
  params: Record<string, string>
  req: FastifyRequest
  reply: FastifyReply
}

/** At most `max` requests per source address in `windowSeconds`; more get 429 with Retry-After. */
export interface RateLimit {
  max: number
  windowSeconds: number
}

export interface RouteDef<B extends z.ZodType, Q extends z.ZodType> {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  action: string
  roles: Role[] | 'public'
  body?: B
  query?: Q
  /** May be called with a session limited to MFA enrolment. */
  allowMfaEnrollSession?: boolean
  /** May be called by an owner's vouched device (the phone's panic page). */
  allowDevice?: boolean
  /** Body size limit in bytes (default: the server's 1 MiB). */
  bodyLimit?: number
  /** Per source address; every public route has one (app.ts refuses to start otherwise). */
  rateLimit?: RateLimit
  handler(call: Call<z.infer<B>, z.infer<Q>>): unknown
}

declare module 'fastify' {
  interface FastifyRequest {
    rtcc: {actor?: Actor; subject?: {id: string | null; name: string; role?: string}; audited: boolean; action: string; target?: string; detail?: Record<string, unknown>; payload?: Buffer; txResult?: unknown}
  }
}

export function defineRoute<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown>(def: RouteDef<B, Q>): RouteDef<B, Q> {
  return def
}

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, where: 'body' | 'query'): z.infer<S> {
  if (!schema) return value as z.infer<S>
  const result = schema.safeParse(value ?? (where === 'query' ? {} : undefined))
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field = issue.path.map(String).join('.') || where
  throw badRequest(`${where} field "${field}": ${issue.message}`, field, result.error.issues.map((i) => ({field: i.path.join('.'), message: i.message})))
}

/** `POST /v1/auth/login`: how StartOptions.rateLimits names a route. */
export const routeKey = (def: {method: string; url: string}) => `${def.method} ${def.url}`

export function registerRoute(app: FastifyInstance, ctx: ServerContext, def: RouteDef<z.ZodType, z.ZodType>, rateLimit = def.rateLimit): void {
  app.route({
    method: def.method,
    url: def.url,
    bodyLimit: def.bodyLimit,
    config: {action: def.action, rateLimit: rateLimit && {max: rateLimit.max, timeWindow: rateLimit.windowSeconds * 1000}},
    handler: async (req, reply) => {
      if (def.roles !== 'public') {
        const actor = await authenticate(ctx, cookieAuthorization(req))
        req.rtcc.actor = actor
        if (actor.scope === 'mfa-enroll' && !def.allowMfaEnrollSession)
          throw new HttpError(403, 'mfa_enrollment_required', 'your admin requires a second factor: run `rtcc user mfa enroll` first')
        if (actor.via === 'device' && !def.allowDevice) throw forbidden(`a device may not ${def.action}: use your computer`)
        if (!def.roles.includes(actor.role)) throw forbidden(`role "${actor.role}" may not ${def.action}`)
      } else if (req.headers.authorization || req.headers.cookie) {
        try {
          req.rtcc.actor = await authenticate(ctx, cookieAuthorization(req))
        } catch {
          // public routes ignore a stale credential
        }
      }
      const call: Call<unknown, unknown> = {
        ctx: serviceContext(ctx, req),
        actor: req.rtcc.actor!,
        body: parse(def.body, req.body, 'body'),
        query: parse(def.query, req.query, 'query'),
        params: req.params as Record<string, string>,
        req,
        reply,
      }
      const result = await def.handler(call)
      if (reply.sent) return reply
      if (result === undefined) return reply.code(204).send()
      reply.type('application/json; charset=utf-8')
      // The payload serialised inside the audited transaction (whose size the record holds) is sent as is.
      return req.rtcc.audited && result === req.rtcc.txResult && req.rtcc.payload !== undefined ? req.rtcc.payload : JSON.stringify(result)
    },
  })
}

function serviceContext(ctx: ServerContext, req: FastifyRequest): ServiceContext {
  const note = (facts: AuditFacts) => {
    if (facts.action) req.rtcc.action = facts.action
    if (facts.subject) req.rtcc.subject = facts.subject
    if (facts.target !== undefined) req.rtcc.target = facts.target
    if (facts.detail !== undefined) req.rtcc.detail = facts.detail
  }
  return {
    ...ctx,
    note,
    audited: (fn, facts) => {
      if (req.rtcc.audited) throw new Error(`route ${req.rtcc.action} opened a second audited transaction`)
      return ctx.store.transaction(async () => {
        const result = await fn()
        const last = typeof facts === 'function' ? facts(result) : facts
        if (last) note(last)
        // As bytes: their length is free, and the socket takes them without another copy of the text.
        const payload = result === undefined ? undefined : Buffer.from(JSON.stringify(result))
        await ctx.audit.append(auditInput(ctx, req, {outcome: last?.outcome ?? 'allowed', target: req.rtcc.target, detail: req.rtcc.detail, bytesOut: payload?.length ?? 0}))
        req.rtcc.audited = true
        req.rtcc.payload = payload
        req.rtcc.txResult = result
        return result
      })
    },
  }
}

export function auditInput(
  ctx: ServerContext,
  req: FastifyRequest,
  fields: {outcome: AuditOutcome; target?: string; detail?: Record<string, unknown>; bytesOut: number | null},
) {
  const actor = req.rtcc.actor
  return {
    time: ctx.now().toISOString(),
    actorId: actor?.user.id ?? req.rtcc.subject?.id ?? null,
    actorName: actor?.user.username ?? req.rtcc.subject?.name ?? null,
    role: actor?.role ?? req.rtcc.subject?.role ?? null,
    action: req.rtcc.action,
    target: fields.target ?? null,
    outcome: fields.outcome,
    source: req.ip,
    requestId: req.id,
    bytesIn: Number(req.headers['content-length'] ?? 0) || 0,
    bytesOut: fields.bytesOut,
    detail: fields.detail ?? null,
  }
}

export const outcomeForStatus = (status: number): AuditOutcome =>
  status < 400 ? 'allowed' : status === 401 || status === 403 || status === 429 ? 'denied' : 'error'
