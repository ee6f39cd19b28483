/** Audit records for what happens outside an HTTP request (link sessions, streams ending). */
import type {AuditInput} from '../../audit/log.js'
import type {ServerContext} from '../context.js'

export function auditNow(ctx: ServerContext, input: AuditInput): void {
  ctx.db.transaction(() => ctx.audit.append(input))()
  ctx.audit.afterCommit()
}
