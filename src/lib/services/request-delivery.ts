/**
 * Sends footage request emails (after the requests have committed) and moves each request to
 * `delivered` once the mail transport accepted it. A reminder rotates the one-time token, so only the
 * newest email works. Mail failures are reported per request; the request stays `issued`.
 */
import {createHash, randomBytes} from 'node:crypto'

import type {MailReceipt} from '../mail/mailer.js'
import type {ServerContext} from '../server/context.js'
import {SERVER_ACTOR, systemMove} from './request-workflow.js'

export type DeliveryResult = (MailReceipt & {to: string}) | {error: string}

export async function deliverRequests(
  ctx: ServerContext,
  targets: {id: string; token?: string}[],
  options: {reminder?: boolean} = {},
): Promise<Map<string, DeliveryResult>> {
  const {requests, owners} = ctx.store
  const results = new Map<string, DeliveryResult>()
  for (const target of targets) {
    const row = await requests.getRequestRow(target.id)
    const owner = row && (await owners.getOwner(row.owner_id))
    if (!row || !owner) {
      results.set(target.id, {error: 'the owner has no contact details on file'})
      continue
    }
    let token = target.token
    if (!token) {
      token = `rtcc_r_${randomBytes(32).toString('base64url')}`
      await requests.rotateToken(row.id, createHash('sha256').update(token).digest())
    }
    try {
      const receipt = await ctx.mailer.sendFootageRequest({
        to: owner.email,
        ownerName: owner.organisation ?? owner.displayName,
        requestId: row.id,
        caseId: row.case_id,
        agency: row.agency_name,
        reason: row.reason,
        window: {from: row.window_from, to: row.window_to},
        cameras: (await requests.requestCameras(row.id)).map((c) => ({name: c.name, distanceMetres: c.distanceMetres})),
        token,
        serverUrl: ctx.url,
        // The token rides in the fragment: browsers never send it to the server or in a Referer.
        fulfilUrl: `${ctx.url}/request#${token}`,
        serverFingerprint: ctx.secrets.fingerprint,
        expiresAt: row.expires_at,
        reminder: options.reminder ?? false,
      })
      await ctx.store.transaction(async () => {
        const now = ctx.now().toISOString()
        await requests.markMailed(row.id, now)
        if (options.reminder) await requests.addTimeline(row.id, {time: now, actor: SERVER_ACTOR, from: null, event: 'reminded', target: row.id, detail: {transport: receipt.transport}})
      })
      await systemMove(ctx, row, 'delivered', {transport: receipt.transport, messageId: receipt.messageId, reminder: options.reminder ?? false})
      results.set(row.id, {...receipt, to: owner.email})
    } catch (error) {
      results.set(row.id, {error: `mail not sent: ${(error as Error).message}`})
    }
  }
  return results
}
