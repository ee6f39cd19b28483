import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

describe('rtcc sim cameras and rtcc discover', () => {
  it('runs cameras until SIGINT, is found by discover --json, and stops cleanly', async () => {
    const sim = spawn(process.execPath, [BIN, 'sim', 'cameras', '--count', '3', '--host', '127.0.8.11', '--vendor', 'mixed', '--no-multicast', '--json'], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
    let stdout = ''
    let stderr = ''
    sim.stdout.on('data', (d) => (stdout += d))
    sim.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => sim.on('exit', (code) => resolve(code)))
    try {
      for (let i = 0; i < 100 && !stderr.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 100))
      const started = JSON.parse(stdout) as {cameras: {address: string}[]}
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
      sim.kill('SIGINT')
    }
    expect(await exited).toBe(0)
    expect(stderr).toMatch(/SIGINT: stopped 3 camera\(s\)/)
  })

  it('exits 2 with a clear message for a bad flag value', async () => {
    const result = await runCli(['discover', '--no-multicast', '--subnet', '10.0.0.0/8'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--subnet 10\.0\.0\.0\/8 has 16777216 addresses/)
  })
})
