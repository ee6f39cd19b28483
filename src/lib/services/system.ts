/**
 * A ServiceContext for what the server does on its own (mail delivery, the expiry timer): no HTTP
 * call, no signed-in actor. Its `audited(fn)` appends the record of the server's action (actor
 * `rtcc server`, role `system`, source `server`) inside the same store transaction as fn's changes.
 *
 * It does not bring the in-memory Merkle tree up to date (audit.afterCommit): with async transactions
 * another call's transaction may be open at that moment, and the log refuses to catch up then. The
 * next response, proof or checkpoint catches up from the committed rows, as it does for every call.
 */
import type {ServerContext} from '../server/context.js'
import type {AuditFacts, ServiceContext} from './context.js'

export interface SystemFacts extends AuditFacts {
  /** The audit action, e.g. `request.expired`. */
  action: string
}

export function systemContext(ctx: ServerContext, facts: SystemFacts): ServiceContext {
  const noted: AuditFacts = {target: facts.target, detail: facts.detail, outcome: facts.outcome}
  const note = (more: AuditFacts) => {
    if (more.target !== undefined) noted.target = more.target
    if (more.detail !== undefined) noted.detail = more.detail
    if (more.outcome !== undefined) noted.outcome = more.outcome
  }
  let audited = false
  return {
    ...ctx,
    note,
    audited: async (fn, last) => {
      if (audited) throw new Error(`${facts.action} opened a second audited transaction`)
      return ctx.store.transaction(async () => {
        const value = await fn()
        if (last) note(typeof last === 'function' ? last(value) : last)
        await ctx.audit.append({
          time: ctx.now().toISOString(),
          actorName: 'rtcc server',
          role: 'system',
          action: facts.action,
          target: noted.target ?? null,
          outcome: noted.outcome ?? 'allowed',
          source: 'server',
          detail: noted.detail ?? null,
        })
        audited = true
        return value
      })
    },
  }
}
