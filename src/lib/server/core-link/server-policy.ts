/**
 * The server's own view of a camera's policy, for defence in depth: it evaluates its copy with the
 * same pure decide() the Core uses and refuses clearly before asking the Core; the Core's decision
 * stays final whenever the server would allow. And it compares its copy with what the Core reports it
 * enforces, so a server copy that differs (a tampered database showing agencies "always" while the
 * Core enforces "never") is flagged instead of trusted.
 */
import {ApprovalPayload} from '../../domain/access.js'
import {type CameraPolicySummary} from '../../domain/core.js'
import {type CameraPolicy, defaultPolicy, type Decision, type PolicyContext, type VideoKind} from '../../domain/policy.js'
import {policyDigest} from '../../core/policies.js'
import {decide} from '../../policy/decide.js'
import type {ShownPolicy} from '../../store/policies.js'
import type {ServerContext} from '../context.js'

/** What these checks read: the store only (a service context or the server's own). */
type StoreContext = Pick<ServerContext, 'store'>

/**
 * The policy the server reasons with: the owner's signed document, else the Core's reported modes on
 * default settings (the Core alone knows its schedules then), else share nothing.
 */
export function serverPolicy(shown: ShownPolicy | undefined, cameraId: string, now: Date): {policy: CameraPolicy; complete: boolean} {
  if (shown?.policy) return {policy: shown.policy, complete: true}
  const base = defaultPolicy(cameraId, now)
  if (!shown) return {policy: base, complete: true}
  return {policy: {...base, live: {mode: shown.live}, recorded: {mode: shown.recorded}, version: shown.version, updatedAt: shown.updatedAt}, complete: false}
}

/** What the server knows of the owner's grants at `at`: their panic in force and approved windows. */
export async function ownerGrants(ctx: StoreContext, camera: {id: string; ownerId: string}, at: Date): Promise<Pick<PolicyContext, 'panic' | 'approvals'>> {
  const panic = await ctx.store.panic.activePanic(camera.ownerId, at)
  // The statements were verified when the owner approved; their payload says which video and window.
  const approvals = (await ctx.store.access.approvalsFor(camera.id, at)).map((a) => {
    const {kind, recorded} = ApprovalPayload.parse(JSON.parse(a.statement.payload))
    return {from: a.from, until: a.until, requesterId: a.requesterId, ...(kind ? {kind} : {}), ...(recorded ? {recorded} : {})}
  })
  return {panic: panic && {startedAt: panic.startedAt, until: panic.until}, approvals}
}

/** The server's decision on its own copy of the camera's policy. */
export async function serverDecision(ctx: StoreContext, camera: {id: string; ownerId: string}, question: {kind: VideoKind; requester: PolicyContext['requester']; at: Date; window?: PolicyContext['window']}): Promise<Decision> {
  const shown = (await ctx.store.policies.shownPolicies([camera.id])).get(camera.id)
  return decide(serverPolicy(shown, camera.id, question.at).policy, {...question, ...(await ownerGrants(ctx, camera, question.at))})
}

const modes = (version: number, live: string, recorded: string) => `v${version}: live ${live}, recorded ${recorded}`

/**
 * Why the server's copy of a camera's policy differs from what its Core reports it enforces, or null.
 * A newer server version still queued for the Core is in transit, not a difference.
 */
export async function policyMismatch(ctx: StoreContext, reported: CameraPolicySummary): Promise<string | null> {
  const shown = (await ctx.store.policies.shownPolicies([reported.cameraId])).get(reported.cameraId)
  if (!shown) return null
  if (shown.version > reported.version && (await ctx.store.policies.pendingVersions([reported.cameraId])).get(reported.cameraId) === shown.version) return null
  const differs =
    shown.version !== reported.version || shown.live !== reported.liveMode || shown.recorded !== reported.recordedMode || (shown.policy !== null && policyDigest(shown.policy) !== reported.digest)
  if (!differs) return null
  const server = modes(shown.version, shown.live, shown.recorded)
  const core = modes(reported.version, reported.liveMode, reported.recordedMode)
  return `the server's copy of this camera's policy (${server}) differs from what its Core enforces (${core}${server === core ? ', other settings' : ''}); the Core's own policy decides`
}
