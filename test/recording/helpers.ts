/** A Core directory with simulated cameras and no server: enough for the recorder alone. */
import {writeCoreConfig, writePrivateFile, corePaths} from '../../src/lib/core/config.js'
import {generateIdentity, loadPrivateKey} from '../../src/lib/core/identity.js'
import {CORE_CONFIG_FORMAT, type CoreConfig} from '../../src/lib/domain/core.js'
import {newId} from '../../src/lib/domain/ids.js'
import type {SimulatorHandle} from '../../src/lib/onvif/simulator/index.js'
import {CAMERA_CREDENTIALS, SITE} from '../core/helpers.js'

const UNUSED_SERVER = {url: 'https://127.0.0.1:9', fingerprint: Array(32).fill('00').join(':'), certPem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n'}

export function offlineCore(dir: string, sim: SimulatorHandle): {config: CoreConfig; identity: ReturnType<typeof loadPrivateKey>} {
  const identity = generateIdentity()
  writePrivateFile(corePaths(dir).identity, identity.privateKeyPem)
  const now = new Date().toISOString()
  const config: CoreConfig = {
    format: CORE_CONFIG_FORMAT,
    version: 1,
    coreId: newId('core'),
    name: 'Recorder test site',
    ownerId: newId('own'),
    server: UNUSED_SERVER,
    site: SITE,
    ownerPolicyKey: null,
    cameras: sim.cameras.map((c, i) => ({id: newId('cam'), name: `Cam ${i}`, rtspUrl: c.streams[0]!.rtspUrl, credentials: CAMERA_CREDENTIALS, deviceServiceUrl: c.deviceServiceUrl, make: null, model: null, addedAt: now})),
    enrolledAt: now,
  }
  writeCoreConfig(dir, config)
  return {config, identity: loadPrivateKey(identity.privateKeyPem)}
}
