import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** `rtcc sim cameras ARGS` as its own process, once it says it is running. */
async function startSim(args: string[]): Promise<{stdout: string; stderr: () => string; stop: () => Promise<number | null>}> {
  const sim = spawn(process.execPath, [BIN, 'sim', 'cameras', ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
  let stdout = ''
  let stderr = ''
  sim.stdout.on('data', (d) => (stdout += d))
  sim.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => sim.on('exit', (code) => resolve(code)))
  for (let i = 0; i < 100 && !stderr.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 100))
  await new Promise((r) => setTimeout(r, 100)) // the notes after "Ctrl-C"
  return {
    stdout,
    stderr: () => stderr,
    stop: () => {
      sim.kill('SIGINT')
      return exited
    },
  }
}

describe('rtcc sim cameras and rtcc discover', () => {
  it('runs cameras until SIGINT, is found by discover --json, and stops cleanly', async () => {
    const sim = await startSim(['--count', '3', '--host', '127.0.8.11', '--vendor', 'mixed', '--no-multicast', '--json'])
    try {
      const started = JSON.parse(sim.stdout) as {cameras: {address: string}[]}
      expect(started.cameras.map((c) => c.address)).toEqual(['127.0.8.11', '127.0.8.12', '127.0.8.13'])

      const found = await runCli(['discover', '--no-multicast', '--subnet', '127.0.8.0/28', '--json'], {env: {RTCC_CAMERA_PASSWORD: 'rtcc-sim'}})
      expect(found.code).toBe(0)
      const devices = found.json<{devices: {address: string; auth: string}[]}>().devices
      expect(devices.map((d) => [d.address, d.auth])).toEqual([
        ['127.0.8.11', 'credentials_needed'],
        ['127.0.8.12', 'credentials_needed'],
        ['127.0.8.13', 'credentials_needed'],
      ])
      const withUser = await runCli(['discover', '--no-multicast', '--subnet', '127.0.8.11/32', '--user', 'admin', '--csv'], {env: {RTCC_CAMERA_PASSWORD: 'rtcc-sim'}})
      expect(withUser.stdout.split('\n')[1]).toMatch(/^127\.0\.8\.11,Sim Camera 01,AXIS,P3245-LVE,.*,ok,admin,rtsp:\/\/127\.0\.8\.11:8554\/axis-media/)
      expect(withUser.stdout).not.toContain('rtcc-sim')
    } finally {
      expect(await sim.stop()).toBe(0)
    }
    expect(sim.stderr()).toMatch(/SIGINT: stopped 3 camera\(s\)/)
  })

  it('lists both of two cameras that share one WS-Discovery endpoint reference (cloned firmware)', async () => {
    const clone = 'urn:uuid:0badc0de-0000-5000-a000-c10ed0000001'
    const sim = await startSim(['--count', '2', '--host', '127.0.8.21', '--endpoint-reference', clone, '--no-multicast', '--json'])
    try {
      expect((JSON.parse(sim.stdout) as {cameras: {endpointReference: string}[]}).cameras.map((c) => c.endpointReference)).toEqual([clone, clone])
      const found = await runCli(['discover', '--no-multicast', '--subnet', '127.0.8.16/28', '--user', 'admin', '--json'], {env: {RTCC_CAMERA_PASSWORD: 'rtcc-sim'}})
      expect(found.code, found.stderr).toBe(0)
      const devices = found.json<{devices: {address: string; endpointReference: string; auth: string; foundBy: string[]}[]}>().devices
      expect(devices.map((d) => [d.address, d.endpointReference, d.auth])).toEqual([
        ['127.0.8.21', clone, 'ok'],
        ['127.0.8.22', clone, 'ok'],
      ])
      expect(devices.every((d) => d.foundBy.includes('unicast'))).toBe(true)
    } finally {
      await sim.stop()
    }
  })

  it('finds every camera of the macOS recipe (one address, --base-port) with the --hosts line sim prints, as a documented headerless TSV when piped', async () => {
    const base = 20_000 + Math.floor(Math.random() * 20_000)
    const sim = await startSim(['--count', '3', '--host', '127.0.0.1', '--base-port', String(base), '--no-multicast'])
    try {
      const hint = /find them with: rtcc (discover --no-multicast --hosts \S+)/.exec(sim.stderr())
      expect(hint, sim.stderr()).not.toBeNull()
      const args = hint![1]!.split(' ')
      expect(args.at(-1)).toBe([0, 3, 6].map((i) => `127.0.0.1:${base + i}`).join(','))

      const found = await runCli([...args, '--user', 'admin', '--json'], {env: {RTCC_CAMERA_PASSWORD: 'rtcc-sim'}})
      expect(found.code, found.stderr).toBe(0)
      const devices = found.json<{devices: {address: string; deviceServiceUrl: string; auth: string; serial: string}[]}>().devices
      expect(devices.map((d) => [d.address, d.deviceServiceUrl, d.auth])).toEqual([0, 3, 6].map((i) => ['127.0.0.1', `http://127.0.0.1:${base + i}/onvif/device_service`, 'ok']))
      expect(new Set(devices.map((d) => d.serial)).size).toBe(3)

      // Piped (not a TTY): no header, one line per device, tab-separated in the documented column order.
      const piped = await runCli([...args, '--user', 'admin'], {env: {RTCC_CAMERA_PASSWORD: 'rtcc-sim'}})
      const rows = piped.stdout.replace(/\n$/, '').split('\n').map((line) => line.split('\t'))
      expect(rows).toHaveLength(3)
      expect(rows).toEqual(['01', '02', '03'].map((n) => ['127.0.0.1', 'rtcc SimCam S1', `Sim Camera ${n}`, 'ok (admin)', 'H264 640x360, H264 320x180', '']))
    } finally {
      await sim.stop()
    }
  })

  it('exits 2 with a clear message for a bad flag value', async () => {
    const result = await runCli(['discover', '--no-multicast', '--subnet', '10.0.0.0/8'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--subnet 10\.0\.0\.0\/8 has 16777216 addresses/)
  })
})
