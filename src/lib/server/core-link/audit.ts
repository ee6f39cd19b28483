/**
 * Audit records for what happens outside an HTTP request (link sessions, streams ending): the record
 * is appended in one store transaction with the changes `work` makes, and the log's tree head is
 * brought up to date after the commit.
 */
import type {AuditInput} from '../../audit/log.js'
import type {ServerContext} from '../context.js'

export async function auditNow(ctx: ServerContext, input: AuditInput, work?: () => Promise<void>): Promise<void> {
  const outer = ctx.store.inTransaction()
  await ctx.store.transaction(async () => {
    await work?.()
    await ctx.audit.append(input)
  })
  // Joining a caller's transaction: the caller brings the log up to date after its commit.
  if (!outer) ctx.audit.afterCommitSoon()
}
