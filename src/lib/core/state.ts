/**
 * What a running agent last saw (state.json next to the config): link state, last heartbeat, camera
 * health and running relays. `rtcc core status` reads it; nothing reads it to make decisions.
 */
import {existsSync, readFileSync} from 'node:fs'

import type {CameraHealth} from '../domain/core.js'
import {corePaths, writePrivateFile} from './config.js'

export interface AgentState {
  pid: number
  startedAt: string
  version: string
  link: {state: string; detail: string; since: string}
  lastHeartbeatAt: string | null
  cameras: CameraHealth[]
  relays: {streamId: string; cameraId: string; kind: string; viewers: number}[]
}

export function writeAgentState(dir: string, state: AgentState): void {
  try {
    writePrivateFile(corePaths(dir).state, JSON.stringify(state, null, 2) + '\n')
  } catch {
    // Status is a convenience: a full disk must not stop the agent.
  }
}

export function readAgentState(dir: string): AgentState | undefined {
  const file = corePaths(dir).state
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AgentState
  } catch {
    return undefined
  }
}
