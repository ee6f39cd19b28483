/**
 * Sends footage request emails (after the requests have committed) and moves each request to
 * `delivered` once the mail transport accepted it. A reminder rotates the one-time token, so only the
 * newest email works. Mail failures are reported per request; the request stays `issued`.
 */
import {createHash, randomBytes} from 'node:crypto'

import {getOwner} from '../../store/owners.js'
import * as requests from '../../store/requests.js'
import type {MailReceipt} from '../../mail/mailer.js'
import type {ServerContext} from '../context.js'
import {SERVER_ACTOR, systemMove} from './workflow.js'

export type DeliveryResult = (MailReceipt & {to: string}) | {error: string}

export async function deliverRequests(
  ctx: ServerContext,
  targets: {id: string; token?: string}[],
  options: {reminder?: boolean} = {},
): Promise<Map<string, DeliveryResult>> {
  const results = new Map<string, DeliveryResult>()
  for (const target of targets) {
    const row = requests.getRequestRow(ctx.db, target.id)
    const owner = row && getOwner(ctx.db, row.owner_id)
    if (!row || !owner) {
      results.set(target.id, {error: 'the owner has no contact details on file'})
      continue
    }
    let token = target.token
    if (!token) {
      token = `rtcc_r_${randomBytes(32).toString('base64url')}`
      ctx.db.transaction(() => requests.rotateToken(ctx.db, row.id, createHash('sha256').update(token!).digest()))()
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
        cameras: requests.requestCameras(ctx.db, row.id).map((c) => ({name: c.name, distanceMetres: c.distanceMetres})),
        token,
        serverUrl: ctx.url,
        serverFingerprint: ctx.secrets.fingerprint,
        expiresAt: row.expires_at,
        reminder: options.reminder ?? false,
      })
      ctx.db.transaction(() => {
        const now = ctx.now().toISOString()
        requests.markMailed(ctx.db, row.id, now)
        if (options.reminder) requests.addTimeline(ctx.db, row.id, {time: now, actor: SERVER_ACTOR, from: null, event: 'reminded', target: row.id, detail: {transport: receipt.transport}})
      })()
      systemMove(ctx, row, 'delivered', {transport: receipt.transport, messageId: receipt.messageId, reminder: options.reminder ?? false})
      results.set(row.id, {...receipt, to: owner.email})
    } catch (error) {
      results.set(row.id, {error: `mail not sent: ${(error as Error).message}`})
    }
  }
  return results
}
