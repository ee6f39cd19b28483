/** `rtcc core status`: what this Core host knows, from its own files; no server needed. */
import type {CameraHealth} from '../domain/core.js'
import {redactUrl} from '../media/redact.js'
import {ownerKeyId} from '../policy/document.js'
import {readCoreConfig} from './config.js'
import {policyFor, readLocalPolicies} from './policies.js'
import {type AgentState, readAgentState} from './state.js'

export interface CoreStatus {
  configDir: string
  coreId: string
  name: string
  ownerId: string
  server: string
  fingerprint: string
  enrolledAt: string
  /** The owner key the Core trusts (needed for signed policies, panics and approvals), or null. */
  ownerKeyId: string | null
  agent: (Pick<AgentState, 'pid' | 'startedAt' | 'lastHeartbeatAt' | 'link' | 'relays'> & {running: boolean}) | null
  cameras: {id: string; name: string; rtspUrl: string; live: string; recorded: string; policyVersion: number; health: Pick<CameraHealth, 'status' | 'detail' | 'checkedAt'> | null}[]
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function coreStatus(dir: string): CoreStatus {
  const config = readCoreConfig(dir)
  const policies = readLocalPolicies(dir)
  const state = readAgentState(dir)
  return {
    configDir: dir,
    coreId: config.coreId,
    name: config.name,
    ownerId: config.ownerId,
    server: config.server.url,
    fingerprint: config.server.fingerprint,
    enrolledAt: config.enrolledAt,
    ownerKeyId: config.ownerPolicyKey && ownerKeyId(config.ownerPolicyKey),
    agent: state ? {pid: state.pid, startedAt: state.startedAt, lastHeartbeatAt: state.lastHeartbeatAt, link: state.link, relays: state.relays, running: alive(state.pid)} : null,
    cameras: config.cameras.map((c) => {
      const policy = policyFor(policies, c.id)
      const health = state?.cameras.find((h) => h.cameraId === c.id)
      return {id: c.id, name: c.name, rtspUrl: redactUrl(c.rtspUrl), live: policy.live.mode, recorded: policy.recorded.mode, policyVersion: policy.version, health: health ? {status: health.status, detail: health.detail, checkedAt: health.checkedAt} : null}
    }),
  }
}
