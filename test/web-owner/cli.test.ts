/**
 * `rtcc owner device add|list|revoke` as the owner runs them: the built CLI shows the one-time link
 * on stderr while it waits, the phone (the page's own WebCrypto code) answers it, and `--json` prints
 * the vouched device; list and revoke follow; off a terminal, vouching needs --yes.
 */
import {spawn} from 'node:child_process'
import {rmSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {DeviceView} from '../../src/lib/domain/device.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {answerLink, type Phone} from './phone.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
let t: TestServer
let configDir: string
const env = () => ({RTCC_CONFIG_DIR: configDir})

/** `owner device add`, answering the link it prints with a phone as soon as it shows. */
function addWithPhone(args: string[]): Promise<{code: number; stdout: string; stderr: string; phone?: Phone}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'owner', 'device', 'add', ...args], {env: {...process.env, NO_COLOR: '1', CI: '1', ...env()}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    let phone: Promise<Phone> | undefined
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      const link = /https:\S+#rtcc_l_\S+/.exec(stderr)?.[0]
      if (link && !phone) phone = answerLink(t, link)
    })
    child.on('error', reject)
    child.on('close', async (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stdout, stderr, phone: await phone})
    })
  })
}

beforeAll(async () => {
  configDir = tempDir('rtcc-device-cli-')
  t = await startTestServer()
  const signup = await runCli(['owner', 'signup', t.url, '--user', 'kiosk-kim', '--name', 'Kim', '--email', 'kim@example.org', '--password-stdin', '--fingerprint', t.fingerprint, '--json'], {env: env(), input: 'Kiosk-Newspaper-Corner-7'})
  expect(signup.code, signup.stderr).toBe(0)
}, 60_000)

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
  rmSync(configDir, {recursive: true, force: true})
})

describe('rtcc owner device', () => {
  let device: DeviceView

  it('add --yes --json: prints the link on stderr, waits for the phone, vouches and prints the device', async () => {
    const run = await addWithPhone(['--name', 'Kim phone', '--yes', '--json'])
    expect(run.code, run.stderr).toBe(0)
    device = JSON.parse(run.stdout) as DeviceView
    expect(device).toMatchObject({name: 'Kim phone', status: 'active', keyId: run.phone!.keyId, publicKey: run.phone!.publicKey})
    expect(run.stderr).toContain(`the phone sent key ${run.phone!.keyId}`)
  })

  it('add off a terminal without --yes is a usage error naming the flag', async () => {
    const run = await runCli(['owner', 'device', 'add', '--json'], {env: env()})
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--yes/)
  })

  it('list --json and revoke --json', async () => {
    // In this process (same dist/ code and oclif handling); the tests above run bin/run.js as a process.
    const list = await runInProcess(['owner', 'device', 'list', '--json'], {env: env()})
    expect(list.json<DeviceView[]>()).toEqual([expect.objectContaining({id: device.id, status: 'active'})])
    const revoke = await runInProcess(['owner', 'device', 'revoke', 'Kim phone', '--json'], {env: env()})
    expect(revoke.code, revoke.stderr).toBe(0)
    expect(revoke.json<DeviceView>()).toMatchObject({id: device.id, status: 'revoked'})
    const again = await runInProcess(['owner', 'device', 'revoke', device.id], {env: env()})
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already revoked/)
  })
})
