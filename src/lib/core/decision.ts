/**
 * The Core's answer to "may this person see this camera now?". The server's request carries its own
 * opinion; it is never consulted. The answer comes from the policy file on this host, the owner's
 * verified panic and approval documents, and the requester's role, through the pure decide().
 */
import type {CoreConfig, DecisionMessage, Requester} from '../domain/core.js'
import type {PolicyContext, VideoKind} from '../domain/policy.js'
import {STREAM_VIEWERS} from '../domain/stream.js'
import {decide} from '../policy/decide.js'
import {policyFor, readLocalPolicies} from './policies.js'

/** What the owner has granted beyond the standing policy, as verified signed documents. */
export interface OwnerGrants {
  panic(cameraId: string, at: Date): PolicyContext['panic']
  approvals(cameraId: string, at: Date): NonNullable<PolicyContext['approvals']>
}

/**
 * Without the owner's verified panic and approval statements there are none: `emergency` and
 * `approval` cameras stay closed (fail closed).
 */
const NO_OWNER_GRANTS: OwnerGrants = {panic: () => null, approvals: () => []}

export interface ViewQuestion {
  cameraId: string
  kind: VideoKind
  requester: Requester
  at: Date
  /** For recorded video: the window asked for (an `approval` camera releases only an approved window covering it). */
  window?: PolicyContext['window']
}

const refuse = (code: string, reason: string): DecisionMessage => ({allow: false, code, reason, until: null})

export function decideView(dir: string, config: CoreConfig, question: ViewQuestion, grants: OwnerGrants = NO_OWNER_GRANTS): DecisionMessage {
  if (!config.cameras.some((c) => c.id === question.cameraId)) return refuse('unknown-camera', `camera ${question.cameraId} is not attached to this Core`)
  if (!(STREAM_VIEWERS as readonly string[]).includes(question.requester.role))
    return refuse('role-not-allowed', `the Core shares video only with ${STREAM_VIEWERS.join(', ')} accounts, not ${question.requester.role}`)
  let policies
  try {
    policies = readLocalPolicies(dir)
  } catch (error) {
    return refuse('policy-unreadable', `the Core cannot read its policy file, so it shares nothing: ${(error as Error).message}`)
  }
  const decision = decide(policyFor(policies, question.cameraId, question.at), {
    kind: question.kind,
    at: question.at,
    requester: {role: question.requester.role, userId: question.requester.userId, agencyId: question.requester.agencyId},
    panic: grants.panic(question.cameraId, question.at),
    approvals: grants.approvals(question.cameraId, question.at),
    ...(question.window ? {window: question.window} : {}),
  })
  return {allow: decision.allow, code: decision.code, reason: decision.reason, until: decision.until}
}
