/** Audit records for what happens outside an HTTP request (link sessions, streams ending). */
import {appendWithSqlite, type AuditInput} from '../../audit/log.js'
import type {ServerContext} from '../context.js'

export function auditNow(ctx: ServerContext, input: AuditInput): void {
  appendWithSqlite(ctx.db, input)
  ctx.audit.afterCommitSoon()
}
