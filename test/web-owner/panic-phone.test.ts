/**
 * The panic button on a phone-sized browser through a real Core: `owner device add` (the client
 * library the command runs) shows a one-time link; the phone page makes its key, the owner compares
 * the code and the owner key vouches for it; the phone's signed panic reaches a dashboard's event
 * stream and the Core (which checks the vouching with the owner key it pinned) opens its `emergency`
 * camera; "End emergency" closes it. Screenshots of the panic page go to docs/screenshots/.
 */
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import type {BrowserContext, Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {addDevice} from '../../src/lib/client/devices.js'
import {followEvents} from '../../src/lib/client/events.js'
import {ownerKeyFile} from '../../src/lib/client/policy-key.js'
import type {DeviceView} from '../../src/lib/domain/device.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import type {StreamGrant} from '../../src/lib/domain/stream.js'
import {ownerKeyToPem} from '../../src/lib/policy/document.js'
import {browserAvailable, DESKTOP, launchBrowser, PHONE, type TestBrowser} from '../helpers/browser.js'
import {failure} from '../helpers/failure.js'
import {type Site, startSite, until} from '../core/helpers.js'
import {useTempConfigDir} from '../policy/owner-fixture.js'
import {createTestCa} from '../helpers/test-ca.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {screenshotPath} from './phone.js'

let site: Site
let configDir: string
const tlsDir = tempDir('rtcc-panic-phone-')
let browser: TestBrowser
let phone: BrowserContext
let page: Page
const dashboard: RtccEvent[] = []
const stopDashboard = new AbortController()
const statementsReceived = () => site.logs.filter((l) => l.includes('owner statements:')).length

describe.skipIf(!browserAvailable())('the panic button on a phone', () => {
  beforeAll(async () => {
    configDir = useTempConfigDir()
    const ca = await createTestCa()
    site = await startSite({host: '127.0.9.81', modes: ['emergency', 'never'], ownerKey: true, tls: await ca.issue(tlsDir)})
    // The owner's computer: the key the Core pinned at provisioning, in the owner's rtcc config folder.
    mkdirSync(dirname(ownerKeyFile(site.ownerId)), {recursive: true})
    writeFileSync(ownerKeyFile(site.ownerId), ownerKeyToPem(site.ownerKey!), {mode: 0o600})
    await site.startAgent()
    // An RTCC dashboard: the investigator's event stream over HTTPS.
    void (async () => {
      for await (const event of followEvents(site.investigator, {signal: stopDashboard.signal, types: ['panic.triggered', 'panic.cleared']})) dashboard.push(event)
    })().catch(() => undefined)
    browser = await launchBrowser({trustSpki: [ca.spkiSha256]})
    phone = await browser.context({viewport: PHONE, isMobile: true})
    page = await phone.newPage()
  }, 90_000)

  afterAll(async () => {
    stopDashboard.abort()
    await browser?.close()
    await site?.stop()
    rmSync(configDir, {recursive: true, force: true})
    removeDir(tlsDir)
  })

  it('pairs the phone: the owner sees the code the phone shows, and vouches for its key', async () => {
    let shown = ''
    const seen = statementsReceived()
    const device = await addDevice(site.owner, {
      name: 'Counter phone',
      pollMs: 100,
      onLink: async (link) => void (await page.goto(link)),
      confirmKey: async (keyId) => {
        shown = (await page.textContent('#pair-code', {timeout: 10_000}))!
        return shown === keyId
      },
    })
    expect(device).toMatchObject<Partial<DeviceView>>({status: 'active', keyId: shown})
    expect(page.url()).not.toContain('#')
    await page.waitForSelector('#ready-step:not(.hidden)', {timeout: 15_000})
    expect(await page.textContent('#site')).toBe('Site Owner 1')
    await until(() => statementsReceived() > seen, 'the Core to receive the vouched device')
    await page.screenshot({path: screenshotPath('panic-phone.png')})
  })

  it('asks for confirmation, naming the site and the cameras a panic opens', async () => {
    const camera = site.core.cameras[0]!
    expect(await failure(site.investigator.post('/v1/streams', {cameraId: camera.id}))).toMatchObject({code: 'policy_denied'})
    await page.click('#panic-button')
    await page.waitForSelector('#confirm-step:not(.hidden)')
    expect(await page.locator('#confirm-cameras li').allTextContents()).toEqual([`${camera.name} (live)`])
    await page.screenshot({path: screenshotPath('panic-phone-confirm.png')})
    await page.setViewportSize(DESKTOP)
    await page.screenshot({path: screenshotPath('panic-desktop.png')})
    await page.setViewportSize(PHONE)
  })

  it('raises the panic: the dashboard sees the alert and the Core opens the `emergency` camera', async () => {
    const camera = site.core.cameras[0]!
    const seen = statementsReceived()
    await page.click('#confirm-yes')
    await page.waitForSelector('#active-step:not(.hidden)')
    expect(await page.locator('#active-cameras li').allTextContents()).toEqual([`${camera.name} (live)`])
    await page.screenshot({path: screenshotPath('panic-phone-active.png')})
    await until(() => dashboard.some((e) => e.type === 'panic.triggered'), 'the dashboard to get the alert')
    expect(dashboard[0]).toMatchObject({severity: 'critical', data: {site: 'Site Owner 1', cameras: [expect.objectContaining({id: camera.id, live: true})]}})
    await until(() => statementsReceived() > seen, 'the Core to receive the panic')
    expect(site.logs.join('\n')).not.toMatch(/REJECTED/)
    const grant = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: camera.id})
    expect(grant.policy).toMatchObject({code: 'emergency-active'})
    // The `never` camera stays shut, panic or not.
    expect(await failure(site.investigator.post('/v1/streams', {cameraId: site.core.cameras[1]!.id}))).toMatchObject({code: 'policy_denied'})
  })

  it('"End emergency" clears it: the dashboard hears, and the camera closes', async () => {
    const camera = site.core.cameras[0]!
    await page.click('#end-button')
    await page.waitForSelector('#ready-step:not(.hidden)')
    await until(() => dashboard.some((e) => e.type === 'panic.cleared'), 'the dashboard to hear the clear')
    await until(async () => (await failure(site.investigator.post('/v1/streams', {cameraId: camera.id}))).code === 'policy_denied', 'the camera to close')
  })
})
