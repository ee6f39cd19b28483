/**
 * The owner's pages in headless Chromium against the real server, on a certificate from a test CA the
 * browser is told to trust: sign up (with a second factor) and register a camera, log in with password and TOTP,
 * the session cookie's flags, CSRF attempts refused, every value shown as text, page views audited,
 * and deleting the profile removes the owner's personal data.
 */
import * as OTPAuth from 'otpauth'
import type {BrowserContext, Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Camera} from '../../src/lib/domain/camera.js'
import {browserAvailable, launchBrowser, type TestBrowser} from '../helpers/browser.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {sql, sqlAll} from '../helpers/sql.js'
import {createTestCa} from '../helpers/test-ca.js'
import {screenshotPath} from './phone.js'

const OWNER = {username: 'bakery-anna', password: 'Flour-Sugar-Oven-2026!', name: 'Anna Baker', email: 'anna@bakery.example', phone: '+1 312 555 0199'}
const XSS = '<img src=x onerror="window.pwned=1">'

let t: TestServer
let browser: TestBrowser
let desktop: BrowserContext
let page: Page
let totp: OTPAuth.TOTP
const dir = tempDir('rtcc-web-owner-')

const code = (offsetSteps = 0) => totp.generate({timestamp: Date.now() + offsetSteps * 30_000})
const auditOf = (action: string) =>
  sqlAll<{actor_name: string | null; outcome: string; target: string | null}>(t.server.ctx.store, 'SELECT actor_name, outcome, target FROM audit_records WHERE action = ? ORDER BY seq', [action])

describe.skipIf(!browserAvailable())("the owner's pages in a browser", () => {
  beforeAll(async () => {
    const ca = await createTestCa()
    t = await startTestServer({tls: await ca.issue(dir)})
    browser = await launchBrowser({trustSpki: [ca.spkiSha256]})
    desktop = await browser.context()
    await desktop.grantPermissions(['geolocation'], {origin: t.url})
    await desktop.setGeolocation({latitude: 41.881234, longitude: -87.623456})
    page = await desktop.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await t?.stop()
    removeDir(dir)
    if (t) removeDir(t.dataDir)
  })

  it('signs up, turns on a second factor, and lands on the owner page', async () => {
    await page.goto(`${t.url}/owner/signup`)
    await page.fill('#username', OWNER.username)
    await page.fill('#password', OWNER.password)
    await page.fill('#displayName', OWNER.name)
    await page.fill('#organisation', "Anna's Bakery")
    await page.fill('#email', OWNER.email)
    await page.fill('#phone', OWNER.phone)
    await page.click('#signup button[type=submit]')
    await page.waitForSelector('#mfa-card:not(.hidden)')
    const secret = (await page.textContent('#mfa-secret'))!
    totp = new OTPAuth.TOTP({algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret)})
    await page.fill('#mfa-otp', code())
    await page.click('#mfa button[type=submit]')
    await page.waitForURL(`${t.url}/owner`)
    await page.waitForSelector('#who:has-text("bakery-anna")')
    const user = (await t.server.ctx.store.users.findUserByName(OWNER.username))!
    expect(user.mfa_secret).toBeTruthy()
  })

  it('sets the session cookie Secure, HttpOnly, SameSite=Strict, Path=/, out of reach of scripts', async () => {
    const cookies = await desktop.cookies(t.url)
    expect(cookies).toEqual([expect.objectContaining({name: '__Host-rtcc_session', secure: true, httpOnly: true, sameSite: 'Strict', path: '/'})])
    expect(await page.evaluate('document.cookie')).toBe('')
  })

  it('registers a camera with the browser location as a helper, shown as text', async () => {
    await page.fill('#cam-name', `Front door ${XSS}`)
    await page.fill('#cam-address', '1 Bakery Lane')
    await page.click('#locate')
    await expect.poll(() => page.inputValue('#cam-lat')).toBe('41.881234')
    expect(await page.inputValue('#cam-lon')).toBe('-87.623456')
    await page.selectOption('#cam-type', 'business')
    await page.fill('#cam-direction', '90')
    await page.fill('#cam-retention', '14')
    await page.click('#camera-save')
    const row = page.locator('#camera-list tr[data-camera]')
    await row.first().waitFor()
    expect(await row.locator('td').first().textContent()).toBe(`Front door ${XSS}`)
    expect(await page.locator('#camera-list img').count()).toBe(0)
    expect(await page.evaluate('window.pwned')).toBeUndefined()
    const owner = (await t.server.ctx.store.owners.ownerForUser((await t.server.ctx.store.users.findUserByName(OWNER.username))!.id))!
    const [camera] = await t.server.ctx.store.cameras.listCameras({kind: 'owner', ownerId: owner.id}, {limit: 10})
    expect(camera).toMatchObject<Partial<Camera>>({name: `Front door ${XSS}`, address: '1 Bakery Lane', latitude: 41.881234, longitude: -87.623456, viewDirection: 90, retentionDays: 14, records: true, liveCapable: false})
  })

  it('edits the camera', async () => {
    await page.click('#camera-list button:has-text("Edit")')
    await page.fill('#cam-name', 'Front door')
    await page.click('#camera-save')
    await page.waitForSelector('#camera-list td:text-is("Front door")')
    await page.screenshot({path: screenshotPath('owner-page.png'), fullPage: true})
  })

  it('audits every page view and action with the owner as actor', async () => {
    expect((await auditOf('web.owner')).at(-1)).toMatchObject({actor_name: OWNER.username, outcome: 'allowed'})
    expect(await auditOf('camera.create')).toEqual([expect.objectContaining({actor_name: OWNER.username, outcome: 'allowed'})])
    expect(await auditOf('camera.update')).toEqual([expect.objectContaining({actor_name: OWNER.username, outcome: 'allowed'})])
  })

  it('refuses state changes without the CSRF token or from another origin', async () => {
    // From the page itself, but without the token: refused.
    const status = await page.evaluate(async () => (await fetch('/v1/cameras', {method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'})).status)
    expect(status).toBe(403)
    // With the cookie and the right token, but from another site's page: refused.
    const [cookie] = await desktop.cookies(t.url)
    const csrf = await page.evaluate(async () => ((await (await fetch('/web/session')).json()) as {csrf: string}).csrf)
    const forged = await t.anonymous().http.delete('v1/owners/me', {headers: {cookie: `${cookie!.name}=${cookie!.value}`, 'x-rtcc-csrf': csrf, origin: 'https://evil.example'}})
    expect(forged.statusCode).toBe(403)
    expect(JSON.parse(forged.body as string)).toMatchObject({error: {code: 'csrf'}})
    const noToken = await t.anonymous().http.delete('v1/owners/me', {headers: {cookie: `${cookie!.name}=${cookie!.value}`, origin: t.url}})
    expect(noToken.statusCode).toBe(403)
    expect(await t.server.ctx.store.users.findUserByName(OWNER.username)).toBeDefined()
    expect((await auditOf('owner.delete')).map((r) => r.outcome)).toEqual(['denied', 'denied'])
  })

  it('logs out, then logs in with password and TOTP in a fresh browser', async () => {
    await page.click('#logout')
    await page.waitForURL(`${t.url}/owner/login`)
    expect(await desktop.cookies(t.url)).toEqual([])
    const fresh = await (await browser.context()).newPage()
    await fresh.goto(`${t.url}/owner/login`)
    await fresh.fill('#username', OWNER.username)
    await fresh.fill('#password', OWNER.password)
    await fresh.click('#login button[type=submit]')
    await fresh.waitForSelector('#otp-row:not(.hidden)')
    await fresh.fill('#otp', '000000')
    await fresh.click('#login button[type=submit]')
    await fresh.waitForSelector('#status:has-text("invalid one-time code")')
    // The next step's code: the enrolment spent this one (a code is accepted once).
    await fresh.fill('#otp', code(1))
    await fresh.click('#login button[type=submit]')
    await fresh.waitForURL(`${t.url}/owner`)
    await fresh.waitForSelector('#camera-list td:text-is("Front door")')
    page = fresh
  })

  it('shows the access report, and ends the session after 30 idle minutes like the CLI\'s', async () => {
    expect(await page.textContent('#access-summary')).toMatch(/^0 live views, 0 recorded, 0 pictures, 0 refused\.$/)
    const user = (await t.server.ctx.store.users.findUserByName(OWNER.username))!
    const idle = new Date(Date.now() - 31 * 60_000).toISOString()
    await sql(t.server.ctx.store, 'UPDATE sessions SET last_seen_at = ? WHERE user_id = ? AND ended_at IS NULL', [idle, user.id])
    await page.reload()
    await page.waitForURL(`${t.url}/owner/login`)
    // Back within the idle limit (as if the owner had been active), the same cookie works again.
    await sql(t.server.ctx.store, 'UPDATE sessions SET last_seen_at = ? WHERE user_id = ? AND ended_at IS NULL', [new Date().toISOString(), user.id])
    await page.goto(`${t.url}/owner`)
    await page.waitForSelector('#camera-list td:text-is("Front door")')
  })

  it('deletes the profile after a confirmation: the personal data is gone', async () => {
    expect(await t.databaseHolds(OWNER.email)).toBe(true)
    await page.click('#delete')
    await page.click('#delete-yes')
    await page.waitForSelector('#deleted')
    expect(await t.server.ctx.store.users.findUserByName(OWNER.username)).toBeUndefined()
    for (const text of [OWNER.email, OWNER.name, OWNER.phone, '1 Bakery Lane']) expect(await t.databaseHolds(text)).toBe(false)
    expect((await auditOf('owner.delete')).at(-1)).toMatchObject({actor_name: OWNER.username, outcome: 'allowed'})
  })
})
