/**
 * Every client is a witness of the server's audit log: it remembers the newest signed checkpoint it
 * has seen and, at first contact, asks the server for its current checkpoint and a consistency proof
 * from the remembered size. A log that shrank, forked (rewritten history) or is signed by another key
 * is refused loudly; a log that grew is remembered. Kept light: every data command loads it.
 */
import {openCheckpoint, parseVerifierKey, type Checkpoint, type NoteVerifier} from '../audit/note.js'
import {verifyConsistency} from '../audit/merkle.js'
import {RtccError} from '../errors.js'
import type {AuditHead} from '../domain/audit.js'
import type {JsonClient} from './json-client.js'
import {configFile, readPin, readSeenCheckpoint, savePin, saveSeenCheckpoint, seenCheckpointFile, type SeenCheckpoint} from './profiles.js'

export function fetchAuditHead(api: JsonClient, from?: number): Promise<AuditHead> {
  return api.send<AuditHead>('GET', '/v1/audit/head', undefined, {from})
}

const shortKey = (vkey: string): string => vkey.split('+')[1] ?? vkey

function checkKey(server: string, presented: string, expected: string | undefined): NoteVerifier {
  if (expected && expected !== presented)
    throw new RtccError(`REFUSED: the audit signing key of ${server} changed (pinned ${shortKey(expected)}, presented ${shortKey(presented)})`, {
      code: 'audit_key_changed',
      where: server,
      hint: `If its admin confirms the server was re-keyed or reset, remove ${seenCheckpointFile(server)} and the auditKey pinned for it in ${configFile()}.`,
    })
  return parseVerifierKey(presented)
}

/**
 * The audit key a proof must be signed with: the key pinned for this server the first time it was
 * seen (like the TLS certificate). A server presenting another key is refused, so a fake server cannot
 * sign its own proofs.
 */
export function pinnedAuditKey(server: string, presented: string): NoteVerifier {
  const pin = readPin(server)
  const verifier = checkKey(server, presented, pin?.auditKey ?? readSeenCheckpoint(server)?.verifierKey)
  if (pin && !pin.auditKey) savePin(server, {...pin, auditKey: presented})
  return verifier
}

function refuse(server: string, seen: SeenCheckpoint, head: Checkpoint, what: string): RtccError {
  return new RtccError(
    `REFUSED: the audit log of ${server} ${what}.\n` +
      `  you saw:       size ${seen.size}, root ${seen.rootHash} (on ${seen.seenAt})\n` +
      `  server shows:  size ${head.size}, root ${head.rootHash.toString('base64')}\n` +
      'Records this machine already saw were removed or rewritten; do not trust this server\'s audit log.',
    {
      code: 'audit_log_forked',
      where: server,
      hint: `Tell the agency and whoever audits it, and keep ${seenCheckpointFile(server)} (the signed checkpoint you saw) as evidence.`,
    },
  )
}

/**
 * Checks the server's head against the checkpoint remembered for it and returns what to remember now.
 * Throws when the log shrank, forked, or changed key or origin.
 */
export function checkAuditHead(server: string, head: AuditHead, seen: SeenCheckpoint | undefined, expectedKey = seen?.verifierKey): SeenCheckpoint {
  const verifier = checkKey(server, head.verifierKey, expectedKey)
  const current = openCheckpoint(head.checkpoint, verifier)
  const next: SeenCheckpoint = {server, size: current.size, rootHash: current.rootHash.toString('base64'), note: head.checkpoint, verifierKey: head.verifierKey, seenAt: new Date().toISOString()}
  if (!seen) return next
  const old = openCheckpoint(seen.note, verifier)
  if (old.origin !== current.origin) throw refuse(server, seen, current, `now names another log ("${current.origin}", you saw "${old.origin}")`)
  if (current.size < old.size) throw refuse(server, seen, current, `SHRANK: it has ${current.size} records, fewer than the ${old.size} you saw`)
  const proof = (head.proof ?? []).map((hash) => Buffer.from(hash, 'base64'))
  if (!verifyConsistency(old.size, current.size, old.rootHash, current.rootHash, proof)) throw refuse(server, seen, current, 'FORKED: it does not extend the checkpoint you saw')
  return current.size > old.size || head.checkpoint !== seen.note ? next : seen
}

/** The CLI's and dashboard's witness check, once per client before its first request. */
export async function witnessAuditLog(api: JsonClient): Promise<void> {
  const server = api.options.baseUrl
  const seen = readSeenCheckpoint(server)
  let head: AuditHead
  try {
    head = await fetchAuditHead(api, seen?.size)
  } catch (error) {
    // Never witnessed (or a server that predates witnessing): nothing to hold it to yet.
    if (!seen) return
    const code = (error as RtccError).code
    if (code === 'unreachable' || code === 'certificate_changed') throw error
    throw new RtccError(`cannot check the audit log of ${server} against the checkpoint you saw (size ${seen.size}): ${(error as Error).message}`, {
      code: 'audit_unverified',
      where: server,
    })
  }
  const next = checkAuditHead(server, head, seen, readPin(server)?.auditKey ?? seen?.verifierKey)
  pinnedAuditKey(server, head.verifierKey)
  if (next !== seen) saveSeenCheckpoint(next)
}
