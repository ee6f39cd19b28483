/**
 * The demo's simulated cameras: a few ONVIF simulators on a loopback range of their own (so two demos,
 * or a demo and the test suite, do not collide), open without credentials, small and slow enough to
 * cost little.
 */
import {randomInt} from 'node:crypto'

import {type SimulatorHandle, startSimulatedCameras} from '../onvif/simulator/index.js'
import type {RtccError} from '../errors.js'

/** Linux routes all of 127.0.0.0/8 to loopback; elsewhere only 127.0.0.1 exists, so ports differ instead. */
function placement(): {host: string; basePort?: number} {
  if (process.platform === 'linux') return {host: `127.${randomInt(100, 250)}.${randomInt(1, 250)}.11`}
  return {host: '127.0.0.1', basePort: randomInt(20_000, 60_000)}
}

export async function startDemoCameras(count: number, namePrefix = 'Demo Camera'): Promise<SimulatorHandle> {
  let lastError: unknown
  // A random range can be taken (another demo): try a few before giving up.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startSimulatedCameras({count, ...placement(), multicast: false, credentials: null, width: 320, height: 180, fps: 5, namePrefix})
    } catch (error) {
      lastError = error
      if ((error as RtccError).code !== 'address_in_use') throw error
    }
  }
  throw lastError
}
